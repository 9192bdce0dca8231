// The network layer: Kafka framing over TCP with Boost.Asio.
//
// It owns listening sockets and connections. A connection reads size-prefixed
// frames (bounded by socket.request.max.bytes before anything is allocated), hands
// each to a RequestHandler together with a Responder, and writes responses strictly
// in request order, whenever each completes; a request answered later (a Fetch long
// poll, an acks=all produce) never blocks other connections. Record data in
// responses is sent with sendfile(2). It knows nothing of the Kafka API itself.
#pragma once

#include "samsa/net/request.h"
#include "samsa/net/server.h"
