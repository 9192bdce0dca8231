#include "samsa/broker/local_client.h"

#include <unistd.h>

#include <cstring>
#include <limits>

namespace samsa::broker {

// One request's stand-in for a connection: the broker completes its slot, and the
// slot's bytes (record data read from the files its splices name) become the answer.
struct LocalClient::Exchange final : net::detail::SlotOwner,
                                     std::enable_shared_from_this<LocalClient::Exchange> {
  std::shared_ptr<net::detail::ResponseSlot> slot = std::make_shared<net::detail::ResponseSlot>();
  Completion completion;
  std::weak_ptr<size_t> in_flight;
  bool done = false;
  // The responder holds only a weak reference: the exchange keeps itself alive until
  // its slot completes (a dropped responder completes it too, with "close").
  std::shared_ptr<Exchange> self;

  bool is_open() const override { return !done; }

  void slot_completed() override {
    if (done) return;
    done = true;
    const auto hold = std::move(self);
    if (auto count = in_flight.lock()) --*count;
    auto finish = std::move(completion);
    switch (slot->state) {
      case net::detail::ResponseSlot::State::ready: {
        std::vector<uint8_t> frame;
        std::string error = materialize(slot->message, frame);
        finish(std::move(frame), std::move(error));
        return;
      }
      case net::detail::ResponseSlot::State::empty:
        finish({}, "the broker sent no answer");
        return;
      default:
        finish({}, "the broker refused the request (see its log)");
        return;
    }
  }

  // The response without its size prefix, with every splice's bytes copied in.
  static std::string materialize(const protocol::OutboundMessage& message,
                                 std::vector<uint8_t>& frame) {
    frame.reserve(message.total_size());
    size_t copied = 0;
    for (const auto& splice : message.splices) {
      frame.insert(frame.end(), message.bytes.begin() + copied, message.bytes.begin() + splice.at);
      copied = splice.at;
      const size_t at = frame.size();
      frame.resize(at + splice.slice.length);
      if (splice.slice.memory) {
        std::memcpy(frame.data() + at, splice.slice.memory->data(), splice.slice.length);
        continue;
      }
      size_t got = 0;
      while (got < splice.slice.length) {
        const ssize_t n =
            ::pread(splice.slice.file->fd(), frame.data() + at + got, splice.slice.length - got,
                    static_cast<off_t>(splice.slice.offset + got));
        if (n <= 0)
          return "cannot read record data: " + std::string(n < 0 ? strerror(errno) : "short file");
        got += static_cast<size_t>(n);
      }
    }
    frame.insert(frame.end(), message.bytes.begin() + copied, message.bytes.end());
    if (frame.size() < 4) return "truncated answer";
    frame.erase(frame.begin(), frame.begin() + 4);  // the size prefix
    return {};
  }
};

LocalClient::LocalClient(net::RequestHandler& handler, std::string client_id)
    : handler_(handler), client_id_(std::move(client_id)) {}

LocalClient::~LocalClient() = default;

size_t LocalClient::in_flight() const {
  return *in_flight_;
}

void LocalClient::dispatch(protocol::OutboundMessage request, int16_t /*api_key*/,
                           int16_t /*version*/, Completion completion) {
  auto exchange = std::make_shared<Exchange>();
  exchange->completion = std::move(completion);
  exchange->in_flight = in_flight_;
  ++*in_flight_;

  net::InboundRequest in;
  in.frame.assign(request.bytes.begin() + 4, request.bytes.end());  // requests have no splices
  in.responder = net::Responder(exchange->slot, exchange);
  // Connection-scoped state (none today) must never mix with a real connection's.
  in.connection_id = std::numeric_limits<uint64_t>::max();
  in.listener = 0;
  in.peer = client_id_;
  exchange->self = exchange;
  handler_.on_request(std::move(in));
}

void LocalClient::skip_response_header(protocol::Reader& reader, int16_t api_key, int16_t version) {
  reader.read_int32();  // correlation id
  if (protocol::response_header_version(api_key, version) >= 1) {
    const uint32_t tags = reader.read_uvarint();
    for (uint32_t i = 0; i < tags; ++i) {
      reader.read_uvarint();
      reader.read_span(reader.read_uvarint());
    }
  }
}

}  // namespace samsa::broker
