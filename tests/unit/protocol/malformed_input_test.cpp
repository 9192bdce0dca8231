// Decoders facing hostile input: every request of every served version, truncated,
// with flipped bytes and with corrupted lengths, must either decode or throw
// DecodeError. Anything else (another exception, a crash, a huge allocation caught
// by the sanitizers or the allocator) fails. Seeded, so runs are reproducible.
#include <gtest/gtest.h>

#include <random>
#include <tuple>

#include "samsa/protocol/messages/all.h"
#include "samsa/protocol/messages/samples.h"

namespace samsa::protocol {
namespace {

template <class Message>
std::vector<uint8_t> encode_sample(int16_t version, bool nulls) {
  Message message;
  samples::fill(message, version, nulls);
  OutboundMessage out;
  Writer writer(out);
  message.encode(writer, version);
  return out.bytes;
}

// Returns false if decoding raised something other than DecodeError.
template <class Message>
bool decodes_or_rejects(std::vector<uint8_t> bytes, int16_t version, std::string& why) {
  try {
    Reader reader{std::span<uint8_t>(bytes)};
    Message message;
    message.decode(reader, version);
  } catch (const DecodeError&) {
  } catch (const std::exception& e) {
    why = e.what();
    return false;
  }
  return true;
}

template <class Api>
void fuzz_api(std::mt19937& rng, int& cases) {
  using Request = typename Api::Request;
  for (int16_t version = Request::min_version; version <= Request::max_version; ++version) {
    for (bool nulls : {false, true}) {
      const std::vector<uint8_t> valid = encode_sample<Request>(version, nulls);
      std::string why;
      for (size_t cut = 0; cut < valid.size(); cut += 1 + valid.size() / 64) {
        std::vector<uint8_t> truncated(valid.begin(), valid.begin() + cut);
        ASSERT_TRUE(decodes_or_rejects<Request>(truncated, version, why))
            << Api::name << " v" << version << " truncated at " << cut << ": " << why;
        ++cases;
      }
      for (int round = 0; round < 300; ++round) {
        std::vector<uint8_t> mutated = valid;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips && !mutated.empty(); ++f) {
          const size_t at = rng() % mutated.size();
          // Lengths live in the high bytes: favour 0xFF and 0x7F to make them huge.
          const uint8_t choices[] = {0xFF, 0x7F, 0x80, 0x00, static_cast<uint8_t>(rng())};
          mutated[at] = choices[rng() % 5];
        }
        ASSERT_TRUE(decodes_or_rejects<Request>(mutated, version, why))
            << Api::name << " v" << version << " round " << round << ": " << why;
        ++cases;
      }
    }
  }
}

TEST(MalformedInput, EveryRequestDecoderRejectsCleanly) {
  std::mt19937 rng(20261122);
  int cases = 0;
  std::apply([&](auto... api) { (fuzz_api<decltype(api)>(rng, cases), ...); }, AllApis{});
  EXPECT_GT(cases, 10000);
}

}  // namespace
}  // namespace samsa::protocol
