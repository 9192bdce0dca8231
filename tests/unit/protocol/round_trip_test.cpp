// Every API, every served version, request and response: a message with every field
// set (and one with every nullable field null) survives encode -> decode -> encode with
// equal values and identical bytes, and every truncation of it is rejected.
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "samsa/protocol/messages/all.h"
#include "samsa/protocol/messages/samples.h"

namespace samsa::protocol {
namespace {

template <class Msg>
std::vector<uint8_t> encode(const Msg& msg, int16_t version) {
  OutboundMessage out;
  Writer w(out);
  msg.encode(w, version);
  EXPECT_TRUE(out.splices.empty());
  return out.bytes;
}

template <class Msg>
void check_round_trip(int16_t version, bool nulls) {
  SCOPED_TRACE(testing::Message() << typeid(Msg).name() << " v" << version
                                  << (nulls ? " with nulls" : ""));
  Msg original;
  samples::fill(original, version, nulls);
  std::vector<uint8_t> bytes = encode(original, version);

  std::vector<uint8_t> buffer = bytes;
  Reader r(buffer);
  Msg decoded;
  decoded.decode(r, version);
  EXPECT_TRUE(r.at_end()) << r.remaining() << " bytes left";
  EXPECT_TRUE(decoded == original);
  EXPECT_EQ(encode(decoded, version), bytes);

  // Every strict prefix is short somewhere, and must be reported as such.
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + n);
    Reader pr(prefix);
    Msg m;
    EXPECT_THROW(m.decode(pr, version), DecodeError) << "prefix of " << n << " bytes";
  }
}

template <class Msg>
void check_all_versions() {
  for (int16_t v = Msg::min_version; v <= Msg::max_version; ++v) {
    check_round_trip<Msg>(v, false);
    check_round_trip<Msg>(v, true);
  }
}

TEST(RoundTrip, EveryApiEveryVersion) {
  std::apply(
      [](auto... api) {
        (check_all_versions<typename decltype(api)::Request>(), ...);
        (check_all_versions<typename decltype(api)::Response>(), ...);
      },
      AllApis{});
}

TEST(RoundTrip, SampleMessagesAreNotTrivial) {
  // Guards the test above against an empty sample: the newest Fetch response carries
  // topics, partitions, records and tagged fields.
  FetchResponse resp;
  samples::fill(resp, 17, false);
  ASSERT_EQ(resp.responses.size(), 2u);
  ASSERT_EQ(resp.responses[0].partitions.size(), 2u);
  EXPECT_EQ(resp.responses[0].partitions[0].records.size(), 10u);
  EXPECT_NE(resp.responses[0].partitions[0].current_leader.leader_id, -1);
  EXPECT_EQ(resp.node_endpoints.size(), 2u);
}

TEST(RoundTrip, VersionsOutsideTheServedRangeAreRejected) {
  std::vector<uint8_t> empty;
  Reader r(empty);
  ProduceRequest req;
  EXPECT_THROW(req.decode(r, 2), DecodeError);
  EXPECT_THROW(req.decode(r, 13), DecodeError);
  OutboundMessage out;
  Writer w(out);
  EXPECT_THROW(req.encode(w, 13), EncodeError);
}

TEST(ApiTable, ListsEveryServedApiSortedByKey) {
  EXPECT_EQ(kApis.size(), std::tuple_size_v<AllApis>);
  for (size_t i = 1; i < kApis.size(); ++i) EXPECT_LT(kApis[i - 1].key, kApis[i].key);
  const ApiInfo* fetch = find_api(1);
  ASSERT_NE(fetch, nullptr);
  EXPECT_EQ(fetch->name, "Fetch");
  EXPECT_EQ(fetch->min_version, 4);
  EXPECT_EQ(fetch->max_version, 17);
  EXPECT_EQ(fetch->first_flexible_version, 12);
  EXPECT_FALSE(fetch->is_flexible(11));
  EXPECT_TRUE(fetch->is_flexible(12));
  EXPECT_EQ(find_api(1000), nullptr);
  static_assert(find_api(18)->max_version == ApiVersionsRequest::max_version);
  static_assert(find_api(0)->min_version == 3);
}

}  // namespace
}  // namespace samsa::protocol
