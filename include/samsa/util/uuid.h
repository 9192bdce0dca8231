// 128-bit identifiers (topic ids, cluster ids) in Kafka's text form: URL-safe base64
// without padding, 22 characters. One implementation for protocol, storage and config.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace samsa::util {

using UuidBytes = std::array<uint8_t, 16>;  // big-endian, as on the wire

std::string to_base64url(const UuidBytes& bytes);
// Exactly 22 characters of the alphabet, with the 4 bits past the 128th zero.
std::optional<UuidBytes> from_base64url(std::string_view text);

// A random version-4 UUID that, like Kafka's Uuid.randomUuid, is never zero, never the
// reserved metadata topic id (1), and whose text form does not start with '-' (it
// would read as an option on a command line).
UuidBytes random_uuid();

}  // namespace samsa::util
