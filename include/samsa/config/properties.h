// Java-Properties text format, as Kafka reads server.properties.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace samsa::config {

// Key/value pairs in the order-insensitive form Kafka sees them: a later line for the
// same key replaces an earlier one, exactly as java.util.Properties does.
//
// Grammar (java.util.Properties#load): '#' or '!' as the first non-blank character starts
// a comment line; a key ends at the first unescaped '=', ':' or blank; blanks around the
// separator are skipped; a line ending in an odd number of backslashes continues on the
// next line with that line's leading blanks dropped; '\t' '\n' '\r' '\f' and '\uXXXX'
// escapes are decoded and a backslash before any other character keeps that character.
// Unlike Java (which reads ISO-8859-1), bytes are passed through, so UTF-8 files work
// and '\uXXXX' is encoded as UTF-8.
class Properties {
 public:
  // Throws ConfigError (with the 1-based line number) on a malformed '\u' escape.
  static Properties parse(std::string_view text);
  // Throws ConfigError if the file cannot be read.
  static Properties load_file(const std::filesystem::path& path);

  void set(std::string key, std::string value) { entries_[std::move(key)] = std::move(value); }
  const std::string* find(std::string_view key) const;
  const std::map<std::string, std::string, std::less<>>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

 private:
  std::map<std::string, std::string, std::less<>> entries_;
};

}  // namespace samsa::config
