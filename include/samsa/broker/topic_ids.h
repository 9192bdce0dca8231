// Topic ids cross the protocol (Uuid, two big-endian halves) and storage (16 raw
// bytes) boundary here, and only here.
#pragma once

#include "samsa/protocol/types.h"
#include "samsa/storage/log_manager.h"

namespace samsa::broker {

inline protocol::Uuid to_uuid(const storage::TopicId& id) {
  protocol::Uuid u;
  for (int i = 0; i < 8; ++i) u.hi = (u.hi << 8) | id[i];
  for (int i = 8; i < 16; ++i) u.lo = (u.lo << 8) | id[i];
  return u;
}

inline storage::TopicId to_topic_id(const protocol::Uuid& u) {
  storage::TopicId id{};
  for (int i = 0; i < 8; ++i) id[i] = static_cast<uint8_t>(u.hi >> (56 - 8 * i));
  for (int i = 0; i < 8; ++i) id[8 + i] = static_cast<uint8_t>(u.lo >> (56 - 8 * i));
  return id;
}

}  // namespace samsa::broker
