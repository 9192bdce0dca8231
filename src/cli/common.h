// What every tool shares: the broker list and timeout options, output in aligned
// tables or JSON, turning exceptions into messages and exit codes, and asking again
// while a new partition's leader settles.
#pragma once

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "samsa/cli/cli.h"
#include "samsa/client/client.h"

namespace samsa::cli {

enum class Format { kText, kJson };

struct CommonOptions {
  std::string brokers;  // -b; else $SAMSA_BROKERS; else localhost:9092
  int timeout_ms = 10'000;
  std::string format = "text";

  Format output_format() const { return format == "json" ? Format::kJson : Format::kText; }
  client::ClientOptions client_options() const;
};

// Adds -b/--brokers, --timeout-ms and --format to a tool subcommand.
void add_common_options(CLI::App& command, CommonOptions& options);

// The timeout a request gives the broker: a little less than the tool's own, so that the
// broker's answer (with its error) arrives before the tool gives up.
int32_t broker_timeout(const CommonOptions& o);

// DeleteTopics by name, at the version the controller speaks (v6 moved the names into
// `topics`, beside ids). The per-topic errors are the caller's to read.
protocol::DeleteTopicsResponse delete_topics(client::Connection& controller,
                                             const std::vector<std::string>& names,
                                             int32_t timeout_ms);

// Runs a tool body; prints what went wrong to stderr and maps it to an exit code.
int guarded(const std::function<int()>& body);

// Kafka's Metadata names a partition's leader a moment before that broker serves it (a
// topic created or grown a moment ago): until then it answers NOT_LEADER_OR_FOLLOWER or
// LEADER_NOT_AVAILABLE.
bool leader_settling(ErrorCode code);

// Runs `attempt`, which answers per partition (a map whose values `error_of` gives the
// error of), and again every 100 ms while a partition's leader is settling, for up to
// 3 s; returns the last answer. For requests that may be repeated (ListOffsets,
// DeleteRecords to the same offset).
template <class Attempt, class ErrorOf>
auto until_leaders_serve(Attempt&& attempt, ErrorOf&& error_of) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (;;) {
    auto answer = attempt();
    const bool settling = std::any_of(answer.begin(), answer.end(), [&](const auto& entry) {
      return leader_settling(static_cast<ErrorCode>(error_of(entry.second)));
    });
    if (!settling || std::chrono::steady_clock::now() >= deadline) return answer;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// The columns a terminal gives `text`: one per code point of UTF-8, two for East Asian
// wide and fullwidth characters and emoji, none for combining marks and zero-width
// ones; a byte that starts no UTF-8 sequence counts one (it shows as one replacement
// character).
size_t display_width(std::string_view text);

// A table printed with columns aligned to their widest cell (in display width).
class Table {
 public:
  explicit Table(std::vector<std::string> headings);
  void add(std::vector<std::string> row);
  void print(std::FILE* out) const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> headings_;
  std::vector<std::vector<std::string>> rows_;
};

// A minimal JSON writer for the tools' --format json output: values are appended in
// order, commas and escaping are handled here.
class Json {
 public:
  Json& begin_object();
  Json& end_object();
  Json& begin_array();
  Json& end_array();
  Json& key(std::string_view name);
  Json& value(std::string_view text);
  Json& value(const char* text) { return value(std::string_view(text)); }
  Json& value(const std::string& text) { return value(std::string_view(text)); }
  Json& value(int64_t number);
  Json& value(int32_t number) { return value(static_cast<int64_t>(number)); }
  Json& value(bool flag);
  Json& null();
  // Raw JSON text (an already valid value).
  Json& raw(std::string_view json);
  const std::string& str() const { return text_; }

 private:
  void separate();
  std::string text_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

std::string json_escape(std::string_view text);

}  // namespace samsa::cli
