// docs/compatibility.md must list exactly the APIs and versions the broker serves.
// On a mismatch the test prints the table to paste between the markers.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "samsa/broker/broker.h"
#include "samsa/protocol/messages/api_table.h"

namespace {

std::string expected_table() {
  std::ostringstream out;
  out << "| key | API | versions served |\n|---:|---|---|\n";
  for (const auto& api : samsa::broker::served_apis()) {
    const auto* info = samsa::protocol::find_api(api.key);
    out << "| " << api.key << " | " << (info ? std::string(info->name) : "?") << " | "
        << api.min_version << "-" << api.max_version << " |\n";
  }
  return out.str();
}

TEST(CompatibilityDoc, ListsExactlyTheServedApis) {
  std::ifstream file(std::string(SAMSA_SOURCE_DIR) + "/docs/compatibility.md");
  ASSERT_TRUE(file) << "docs/compatibility.md is missing";
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string doc = buffer.str();
  const std::string begin = "<!-- api-table:begin -->\n";
  const std::string end = "<!-- api-table:end -->";
  const auto b = doc.find(begin);
  const auto e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  const std::string table = doc.substr(b + begin.size(), e - b - begin.size());
  EXPECT_EQ(table, expected_table()) << "paste this between the markers:\n" << expected_table();
}

}  // namespace
