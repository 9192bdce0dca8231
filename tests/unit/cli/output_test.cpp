#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "../../../src/cli/common.h"

namespace samsa::cli {
namespace {

TEST(JsonTest, WritesNestedValuesWithCommasAndEscapes) {
  Json j;
  j.begin_object().key("name").value("a\"b\\c\n\x01").key("n").value(int64_t{-5});
  j.key("list").begin_array().value(true).null().begin_object().end_object().end_array();
  j.key("empty").begin_array().end_array().end_object();
  EXPECT_EQ(j.str(), R"({"name":"a\"b\\c\n\u0001","n":-5,"list":[true,null,{}],"empty":[]})");
}

TEST(JsonTest, AnyBytesMakeValidJson) {
  EXPECT_EQ(json_escape("caf\xc3\xa9 \xe2\x82\xac"), "\"caf\xc3\xa9 \xe2\x82\xac\"");  // UTF-8 kept
  EXPECT_EQ(json_escape("a\xff\xc3"), "\"a\\u00ff\\u00c3\"");           // stray and truncated bytes
  EXPECT_EQ(json_escape("\xc0\xaf"), "\"\\u00c0\\u00af\"");             // overlong '/'
  EXPECT_EQ(json_escape("\xed\xa0\x80"), "\"\\u00ed\\u00a0\\u0080\"");  // a surrogate
}

// What Table::print writes.
std::string printed(const Table& t) {
  char* text = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  t.print(out);
  std::fclose(out);
  std::string result(text, size);
  std::free(text);
  return result;
}

TEST(TableTest, AlignsColumnsToTheWidestCell) {
  Table t({"ID", "HOST"});
  t.add({"1000", "h"});
  t.add({"2", "longer-host"});
  EXPECT_EQ(printed(t), "ID    HOST\n1000  h\n2     longer-host\n");
}

TEST(TableTest, DisplayWidthCountsColumnsNotBytes) {
  EXPECT_EQ(display_width("orders"), 6u);
  EXPECT_EQ(display_width("caf\xc3\xa9"), 4u);               // é: 2 bytes, 1 column
  EXPECT_EQ(display_width("e\xcc\x81"), 1u);                 // e + combining acute
  EXPECT_EQ(display_width("\xe6\x97\xa5\xe6\x9c\xac"), 4u);  // 日本: wide
  EXPECT_EQ(display_width("\xf0\x9f\x9a\x80"), 2u);          // an emoji
  EXPECT_EQ(display_width("a\xff\xc3"), 3u);                 // stray bytes: one each
}

TEST(TableTest, AlignsNonAsciiNames) {
  Table t({"NAME", "N"});
  t.add({"caf\xc3\xa9s", "1"});
  t.add({"\xe6\x97\xa5\xe6\x9c\xac", "2"});
  t.add({"plain", "3"});
  EXPECT_EQ(printed(t),
            "NAME   N\n"
            "caf\xc3\xa9s  1\n"
            "\xe6\x97\xa5\xe6\x9c\xac   2\n"
            "plain  3\n");
}

}  // namespace
}  // namespace samsa::cli
