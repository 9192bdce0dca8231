// Fetch isolation (KIP-98): read_committed stops at the last stable offset and lists
// the aborted transactions of what it serves; read_uncommitted answers a null list.
// Both report the real last stable offset.
#include <unistd.h>

#include "admin_test_util.h"

namespace samsa::broker::testing {
namespace {

using protocol::FetchRequest;
using protocol::FetchResponse;

class FetchIsolationTest : public AdminTest {
 protected:
  void SetUp() override {
    start();
    create_topic("t", 1);
  }

  int64_t write(int64_t producer_id, bool transactional, int32_t sequence, int records) {
    storage::BatchSpec spec;
    spec.producer_id = producer_id;
    spec.producer_epoch = producer_id >= 0 ? 0 : -1;
    spec.base_sequence = producer_id >= 0 ? sequence : -1;
    spec.transactional = transactional;
    std::vector<storage::RecordSpec> specs(static_cast<size_t>(records),
                                           storage::RecordSpec{"k", "v", 1000, {}});
    std::vector<uint8_t> batch = storage::build_batch(spec, specs);
    storage::AppendOptions options;
    options.now_ms = scheduler_.now_ms();
    const auto r = log().append(batch, options);
    EXPECT_EQ(r.error, ErrorCode::NONE) << r.error_message;
    return r.base_offset;
  }
  int64_t marker(int64_t producer_id, storage::MarkerType type) {
    const auto r = log().append_marker(producer_id, 0, type, 0, scheduler_.now_ms());
    EXPECT_EQ(r.error, ErrorCode::NONE) << r.error_message;
    return r.base_offset;
  }
  storage::PartitionLog& log() { return *logs_->partition("t", 0); }

  // One partition's answer, with the record bytes spliced in as the connection would.
  FetchResponse::PartitionData fetch(int64_t offset, int8_t isolation, int16_t version = 11) {
    FetchRequest request;
    request.isolation_level = isolation;
    request.max_wait_ms = 0;
    request.topics.push_back({"t", {}, {{0, -1, offset, -1, -1, 1 << 20, {}, {}}}, {}});
    auto slot = std::make_shared<net::detail::ResponseSlot>();
    protocol::RequestHeader header;
    header.api_key = FetchRequest::api_key;
    header.api_version = version;
    header.correlation_id = 7;
    {
      auto ctx = std::make_shared<RequestContext>(
          *services_, header, util::FrameBytes{},
          net::Responder(slot, std::weak_ptr<net::detail::SlotOwner>{}), "127.0.0.1:1");
      handle_fetch(ctx, std::move(request));
    }
    EXPECT_EQ(slot->state, net::detail::ResponseSlot::State::ready);
    std::vector<uint8_t> bytes;
    size_t from = 0;
    for (const auto& s : slot->message.splices) {
      bytes.insert(bytes.end(), slot->message.bytes.begin() + static_cast<ptrdiff_t>(from),
                   slot->message.bytes.begin() + static_cast<ptrdiff_t>(s.at));
      const size_t at = bytes.size();
      bytes.resize(at + s.slice.length);
      if (s.slice.file) {
        EXPECT_EQ(::pread(s.slice.file->fd(), bytes.data() + at, s.slice.length,
                          static_cast<off_t>(s.slice.offset)),
                  static_cast<ssize_t>(s.slice.length));
      }
      from = s.at;
    }
    bytes.insert(bytes.end(), slot->message.bytes.begin() + static_cast<ptrdiff_t>(from),
                 slot->message.bytes.end());
    protocol::Reader reader{std::span<uint8_t>(bytes)};
    reader.read_int32();  // size (written before the splices were known: not checked)
    EXPECT_EQ(reader.read_int32(), 7);
    FetchResponse response;
    response.decode(reader, version);
    EXPECT_EQ(response.responses.size(), 1u);
    EXPECT_EQ(response.responses.at(0).partitions.size(), 1u);
    return response.responses.at(0).partitions.at(0);
  }
};

TEST_F(FetchIsolationTest, ReadCommittedStopsAtTheLastStableOffset) {
  write(-1, false, 0, 2);                // 0-1
  ASSERT_EQ(write(100, true, 0, 2), 2);  // 2-3: open
  write(-1, false, 0, 1);                // 4
  const auto committed = fetch(0, 1);
  EXPECT_EQ(committed.error_code, 0);
  EXPECT_EQ(committed.high_watermark, 5);
  EXPECT_EQ(committed.last_stable_offset, 2);
  ASSERT_TRUE(committed.aborted_transactions.has_value());  // empty, not null
  EXPECT_TRUE(committed.aborted_transactions->empty());
  const size_t committed_bytes = committed.records.size();
  EXPECT_GT(committed_bytes, 0u);

  const auto uncommitted = fetch(0, 0);
  EXPECT_EQ(uncommitted.last_stable_offset, 2);  // the real LSO in both levels
  EXPECT_FALSE(uncommitted.aborted_transactions.has_value());
  EXPECT_GT(uncommitted.records.size(), committed_bytes);

  // Between the LSO and the high watermark: no records, no error.
  const auto waiting = fetch(3, 1);
  EXPECT_EQ(waiting.error_code, 0);
  EXPECT_EQ(waiting.records.size(), 0u);
}

TEST_F(FetchIsolationTest, ReadCommittedListsTheAbortedTransactions) {
  write(100, true, 0, 2);  // 0-1
  write(200, true, 0, 1);  // 2
  ASSERT_EQ(marker(200, storage::MarkerType::kAbort), 3);
  ASSERT_EQ(marker(100, storage::MarkerType::kAbort), 4);
  write(-1, false, 0, 1);  // 5
  const auto r = fetch(0, 1);
  EXPECT_EQ(r.last_stable_offset, 6);
  ASSERT_TRUE(r.aborted_transactions.has_value());
  ASSERT_EQ(r.aborted_transactions->size(), 2u);
  EXPECT_EQ((*r.aborted_transactions)[0].producer_id, 100);  // by first offset
  EXPECT_EQ((*r.aborted_transactions)[0].first_offset, 0);
  EXPECT_EQ((*r.aborted_transactions)[1].producer_id, 200);
  EXPECT_EQ((*r.aborted_transactions)[1].first_offset, 2);
  EXPECT_TRUE(fetch(5, 1).aborted_transactions->empty());
  EXPECT_FALSE(fetch(0, 0).aborted_transactions.has_value());
}

}  // namespace
}  // namespace samsa::broker::testing
