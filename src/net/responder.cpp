#include "samsa/net/request.h"
#include "samsa/util/log.h"

namespace samsa::net {

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (slot_) complete(detail::ResponseSlot::State::close);
    slot_ = std::move(other.slot_);
    owner_ = std::move(other.owner_);
  }
  return *this;
}

Responder::~Responder() {
  if (slot_) {
    // Expected when the connection or the broker is going away (a long poll cut short);
    // anything else is a handler that forgot to answer.
    if (connection_open())
      spdlog::error("request dropped without a response; closing its connection");
    complete(detail::ResponseSlot::State::close);
  }
}

void Responder::respond(protocol::OutboundMessage message) {
  if (!slot_) return;
  slot_->message = std::move(message);
  complete(detail::ResponseSlot::State::ready);
}

void Responder::respond_nothing() {
  complete(detail::ResponseSlot::State::empty);
}

void Responder::close_connection() {
  complete(detail::ResponseSlot::State::close);
}

bool Responder::connection_open() const {
  auto owner = owner_.lock();
  return owner && owner->is_open();
}

void Responder::complete(detail::ResponseSlot::State state) {
  if (!slot_) return;
  slot_->state = state;
  if (slot_->read_at != std::chrono::steady_clock::time_point{})
    slot_->completed_at = std::chrono::steady_clock::now();
  slot_.reset();
  if (auto owner = owner_.lock()) owner->slot_completed();
}

}  // namespace samsa::net
