// Kafka requests made from inside the process (the web console, the HTTP API): encoded
// with the generated codecs, dispatched to the broker's own handlers exactly as if a
// client had sent them, and the answer decoded. So the console creates topics, resets
// offsets or produces with the same validation, errors and durability as any client.
// Asio-free; answers arrive on the loop, possibly after call() returned.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "samsa/net/request.h"
#include "samsa/protocol/header.h"
#include "samsa/protocol/messages/all.h"
#include "samsa/protocol/reader.h"

namespace samsa::broker {

// A decoded answer. `body` may view into `frame` (Records), so they travel together.
template <class Response>
struct LocalReply {
  std::vector<uint8_t> frame;
  Response body;
  int16_t version = 0;
};

class LocalClient {
 public:
  // `handler` is the broker; `client_id` is what its logs and metrics see.
  LocalClient(net::RequestHandler& handler, std::string client_id);
  ~LocalClient();
  LocalClient(const LocalClient&) = delete;
  LocalClient& operator=(const LocalClient&) = delete;

  // Sends `request` at `version` (-1: the highest samsa serves) and calls `done` once
  // with the answer, or with null and a reason if the handler closed the "connection"
  // (malformed request) or the broker stopped. Never throws after dispatch.
  template <class Response, class Request>
  void call(const Request& request,
            std::function<void(std::shared_ptr<LocalReply<Response>>, std::string error)> done,
            int16_t version = -1) {
    static_assert(Response::api_key == Request::api_key);
    const int16_t v = version >= 0 ? version : Request::max_version;
    dispatch(protocol::encode_request(request, v, next_correlation_id(), client_id_),
             Request::api_key, v,
             [done = std::move(done), v](std::vector<uint8_t> frame, std::string error) {
               if (!error.empty()) return done(nullptr, std::move(error));
               auto reply = std::make_shared<LocalReply<Response>>();
               reply->frame = std::move(frame);
               reply->version = v;
               try {
                 protocol::Reader reader{std::span<uint8_t>(reply->frame)};
                 skip_response_header(reader, Response::api_key, v);
                 reply->body.decode(reader, v);
               } catch (const std::exception& e) {
                 return done(nullptr, std::string("undecodable answer: ") + e.what());
               }
               done(std::move(reply), {});
             });
  }

  // Requests sent whose answer has not arrived yet.
  size_t in_flight() const;

 private:
  struct Exchange;
  using Completion = std::function<void(std::vector<uint8_t> frame, std::string error)>;
  void dispatch(protocol::OutboundMessage request, int16_t api_key, int16_t version,
                Completion completion);
  static void skip_response_header(protocol::Reader& reader, int16_t api_key, int16_t version);
  int32_t next_correlation_id() { return ++correlation_id_; }

  net::RequestHandler& handler_;
  std::string client_id_;
  int32_t correlation_id_ = 0;
  std::shared_ptr<size_t> in_flight_ = std::make_shared<size_t>(0);
};

}  // namespace samsa::broker
