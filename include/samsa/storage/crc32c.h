// CRC-32C (Castagnoli), the checksum of Kafka's v2 record batches. Uses the SSE4.2
// crc32 instruction when the CPU has it (checked once at run time), else a table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace samsa::storage {

// Continues a CRC: pass the previous result as `crc` (0 to start).
uint32_t crc32c(uint32_t crc, const uint8_t* data, size_t size) noexcept;

inline uint32_t crc32c(std::span<const uint8_t> data) noexcept {
  return crc32c(0, data.data(), data.size());
}

// The two implementations, exposed so tests can check that they agree.
uint32_t crc32c_portable(uint32_t crc, const uint8_t* data, size_t size) noexcept;
// Only valid when crc32c_hardware_available() is true.
uint32_t crc32c_sse42(uint32_t crc, const uint8_t* data, size_t size) noexcept;
bool crc32c_hardware_available() noexcept;

}  // namespace samsa::storage
