#include <algorithm>

#include "samsa/protocol/types.h"
#include "samsa/util/uuid.h"

namespace samsa::protocol {

namespace {

util::UuidBytes to_bytes(const Uuid& u) {
  util::UuidBytes out;
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<uint8_t>(u.hi >> (56 - 8 * i));
    out[8 + i] = static_cast<uint8_t>(u.lo >> (56 - 8 * i));
  }
  return out;
}

Uuid from_bytes(const util::UuidBytes& b) {
  Uuid u;
  for (int i = 0; i < 8; ++i) {
    u.hi = (u.hi << 8) | b[i];
    u.lo = (u.lo << 8) | b[8 + i];
  }
  return u;
}

}  // namespace

std::string Uuid::to_base64() const {
  return util::to_base64url(to_bytes(*this));
}

std::optional<Uuid> Uuid::from_base64(std::string_view text) {
  const auto bytes = util::from_base64url(text);
  if (!bytes) return std::nullopt;
  return from_bytes(*bytes);
}

Uuid Uuid::random() {
  return from_bytes(util::random_uuid());
}

bool Records::operator==(const Records& other) const {
  if (null || other.null) return null == other.null;
  if (slices.empty() != other.slices.empty()) return false;
  if (!slices.empty()) {
    return std::equal(slices.begin(), slices.end(), other.slices.begin(), other.slices.end(),
                      [](const FileSlice& a, const FileSlice& b) {
                        return a.file == b.file && a.memory == b.memory && a.offset == b.offset &&
                               a.length == b.length;
                      });
  }
  return std::equal(view.begin(), view.end(), other.view.begin(), other.view.end());
}

}  // namespace samsa::protocol
