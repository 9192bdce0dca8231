// What Kafka's clients agree on among themselves and the broker only carries: the
// default partitioner's hash (the Java client's murmur2), which the console uses to
// place a record it produces where a Java producer would, and a classic consumer
// group's assignment bytes (ConsumerProtocolAssignment), which the console shows.
//
// samsa's CLI has its own copies (src/cli/records.h, src/cli/consumer_protocol.h); the
// http module does not depend on the cli module, and the unit tests check that both
// hash alike.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace samsa::http {

// org.apache.kafka.common.utils.Utils.murmur2 (seed 0x9747b28c), bit for bit.
int32_t murmur2(std::span<const uint8_t> data) noexcept;
// Where Kafka's default partitioner puts a record with a key:
// toPositive(murmur2(key)) % partitions.
int32_t partition_for_key(std::string_view key, int32_t partitions) noexcept;

// topic -> partitions, from the assignment bytes of a classic "consumer" group member
// (versions 0-3; later versions are read as far as version 3 goes, as clients do).
// nullopt when the bytes are not such an assignment (another protocol type, cut short).
// Empty bytes (a member the leader gave nothing) give no partitions.
std::optional<std::map<std::string, std::vector<int32_t>>> decode_consumer_assignment(
    std::span<const uint8_t> bytes);

}  // namespace samsa::http
