// A request as handed to the broker, and the handle with which it is answered.
// Asio-free on purpose: every handler includes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "samsa/protocol/outbound.h"
#include "samsa/util/frame_bytes.h"

namespace samsa::net {

namespace detail {

// One per request, queued on its connection in arrival order.
struct ResponseSlot {
  enum class State : uint8_t { pending, ready, empty, close };
  State state = State::pending;
  protocol::OutboundMessage message;
  // For the request metrics (ServerOptions::metrics), when the listener has them: the
  // frame's API key and version, when it was read and when the slot completed.
  int16_t api_key = -1;
  int16_t api_version = -1;
  std::chrono::steady_clock::time_point read_at{};
  std::chrono::steady_clock::time_point completed_at{};
};

class SlotOwner {
 public:
  virtual ~SlotOwner() = default;
  virtual void slot_completed() = 0;
  virtual bool is_open() const = 0;
};

}  // namespace detail

// Completes one request's slot exactly once. If dropped without an answer, the
// connection is closed (a handler bug must not stall the connection forever).
class Responder {
 public:
  Responder() = default;
  Responder(std::shared_ptr<detail::ResponseSlot> slot, std::weak_ptr<detail::SlotOwner> owner)
      : slot_(std::move(slot)), owner_(std::move(owner)) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  void respond(protocol::OutboundMessage message);
  // acks=0 produce: the request takes its place in the order but writes nothing.
  void respond_nothing();
  // Malformed input: answer nothing and close once earlier responses are written.
  void close_connection();

  bool pending() const { return slot_ != nullptr; }
  // False once the client has gone away; waiting handlers may then give up early.
  bool connection_open() const;

 private:
  void complete(detail::ResponseSlot::State state);

  std::shared_ptr<detail::ResponseSlot> slot_;
  std::weak_ptr<detail::SlotOwner> owner_;
};

struct InboundRequest {
  util::FrameBytes frame;  // header + body, without the 4-byte size prefix
  Responder responder;
  uint64_t connection_id = 0;
  uint32_t listener = 0;  // index into ServerOptions::listeners it arrived on
  std::string peer;       // "ip:port", for logs
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Called on the event loop, in arrival order per connection.
  virtual void on_request(InboundRequest request) = 0;
};

}  // namespace samsa::net
