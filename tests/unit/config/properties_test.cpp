#include "samsa/config/properties.h"

#include <gtest/gtest.h>

#include "samsa/config/error.h"

namespace samsa::config {
namespace {

std::string get(const Properties& p, std::string_view key) {
  const std::string* v = p.find(key);
  return v ? *v : "<missing>";
}

TEST(PropertiesTest, SeparatorsAndBlanks) {
  Properties p = Properties::parse(
      "a=1\n"
      "b : 2\n"
      "  c   =   3  \n"
      "d 4\n"
      "e:5\n"
      "f\n"
      "g=\n"
      "h = = x\n");
  EXPECT_EQ(get(p, "a"), "1");
  EXPECT_EQ(get(p, "b"), "2");
  EXPECT_EQ(get(p, "c"), "3  ");  // trailing blanks belong to the value, as in Java
  EXPECT_EQ(get(p, "d"), "4");
  EXPECT_EQ(get(p, "e"), "5");
  EXPECT_EQ(get(p, "f"), "");
  EXPECT_EQ(get(p, "g"), "");
  EXPECT_EQ(get(p, "h"), "= x");  // only one separator is consumed
  EXPECT_EQ(p.entries().size(), 8u);
}

TEST(PropertiesTest, CommentsAndBlankLines) {
  Properties p = Properties::parse(
      "# a comment\n"
      "   ! another comment\n"
      "\n"
      "   \t\n"
      "key=value # not a comment\n"
      "#commented=out\n");
  EXPECT_EQ(p.entries().size(), 1u);
  EXPECT_EQ(get(p, "key"), "value # not a comment");
}

TEST(PropertiesTest, LineContinuations) {
  Properties p = Properties::parse(
      "listeners=PLAINTEXT://:9092,\\\n"
      "          EXTERNAL://:9093\n"
      "even=ends with two\\\\\n"
      "next=line\n"
      "crlf=a\\\r\n   b\r\n");
  EXPECT_EQ(get(p, "listeners"), "PLAINTEXT://:9092,EXTERNAL://:9093");
  EXPECT_EQ(get(p, "even"), "ends with two\\");
  EXPECT_EQ(get(p, "next"), "line");
  EXPECT_EQ(get(p, "crlf"), "ab");
}

TEST(PropertiesTest, CommentLinesDoNotContinue) {
  Properties p = Properties::parse("# comment \\\nkey=v\n");
  EXPECT_EQ(get(p, "key"), "v");
}

TEST(PropertiesTest, ContinuationAtEndOfFile) {
  Properties p = Properties::parse("key=abc\\");
  EXPECT_EQ(get(p, "key"), "abc");
}

TEST(PropertiesTest, Escapes) {
  Properties p = Properties::parse(
      "tab=a\\tb\n"
      "nl=a\\nb\n"
      "key\\ with\\ spaces=v\n"
      "colon\\:key=v2\n"
      "eq\\=key=v3\n"
      "other=\\q\\#\n"
      "uni=\\u00e9\\u0041\n"
      "pair=\\ud83d\\ude00\n");
  EXPECT_EQ(get(p, "tab"), "a\tb");
  EXPECT_EQ(get(p, "nl"), "a\nb");
  EXPECT_EQ(get(p, "key with spaces"), "v");
  EXPECT_EQ(get(p, "colon:key"), "v2");
  EXPECT_EQ(get(p, "eq=key"), "v3");
  EXPECT_EQ(get(p, "other"), "q#");
  EXPECT_EQ(get(p, "uni"),
            "\xC3\xA9"
            "A");
  EXPECT_EQ(get(p, "pair"), "\xF0\x9F\x98\x80");
}

TEST(PropertiesTest, MalformedUnicodeEscapeNamesLine) {
  try {
    Properties::parse("a=1\nb=\\u12g4\n");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Properties::parse("b=\\u12"), ConfigError);
}

TEST(PropertiesTest, LaterLineWins) {
  Properties p = Properties::parse("a=1\na=2\n");
  EXPECT_EQ(get(p, "a"), "2");
}

TEST(PropertiesTest, MissingFileIsConfigError) {
  EXPECT_THROW(Properties::load_file("/nonexistent/samsa/server.properties"), ConfigError);
}

}  // namespace
}  // namespace samsa::config
