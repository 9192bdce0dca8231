#include "samsa/config/properties.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "samsa/config/error.h"

namespace samsa::config {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\f';
}
bool is_eol(char c) {
  return c == '\n' || c == '\r';
}

// A logical line joined from one or more natural lines, escapes still raw, with the
// line number it started on (for error messages).
struct LogicalLine {
  std::string text;
  int line_number = 0;
};

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Splits the text into logical lines, dropping comments and blank lines. A trailing odd
// run of backslashes joins the next natural line (its leading blanks removed); the
// backslash pairs before it stay for unescape() to decode.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}

  bool next(LogicalLine& out) {
    out.text.clear();
    bool continuing = false;
    while (pos_ < text_.size()) {
      ++line_;
      size_t start = pos_;
      while (pos_ < text_.size() && !is_eol(text_[pos_])) ++pos_;
      std::string_view natural = text_.substr(start, pos_ - start);
      if (pos_ < text_.size()) {
        // "\r\n" is one terminator.
        if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
        ++pos_;
      }
      size_t first = 0;
      while (first < natural.size() && is_blank(natural[first])) ++first;
      natural.remove_prefix(first);
      if (!continuing) {
        if (natural.empty()) continue;
        if (natural.front() == '#' || natural.front() == '!') continue;
        out.line_number = line_;
      }
      size_t slashes = 0;
      while (slashes < natural.size() && natural[natural.size() - 1 - slashes] == '\\') {
        ++slashes;
      }
      if (slashes % 2 == 1) {
        out.text.append(natural.substr(0, natural.size() - 1));
        continuing = true;
        continue;
      }
      out.text.append(natural);
      return true;
    }
    // A continuation on the last line of the file ends the logical line there.
    return continuing;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 0;
};

uint32_t parse_hex4(std::string_view s, size_t at, int line_number) {
  if (at + 4 > s.size()) {
    throw ConfigError(fmt::format("line {}: malformed \\uxxxx escape", line_number));
  }
  uint32_t v = 0;
  for (size_t i = at; i < at + 4; ++i) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= static_cast<uint32_t>(c - 'A' + 10);
    } else {
      throw ConfigError(fmt::format("line {}: malformed \\uxxxx escape", line_number));
    }
  }
  return v;
}

std::string unescape(std::string_view s, int line_number) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' || i + 1 == s.size()) {
      out += c;
      continue;
    }
    char e = s[++i];
    switch (e) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        uint32_t cp = parse_hex4(s, i + 1, line_number);
        i += 4;
        // A UTF-16 surrogate pair written as two escapes is one code point.
        if (cp >= 0xD800 && cp < 0xDC00 && i + 2 < s.size() && s[i + 1] == '\\' &&
            s[i + 2] == 'u') {
          uint32_t low = parse_hex4(s, i + 3, line_number);
          if (low >= 0xDC00 && low < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        append_utf8(out, cp);
        break;
      }
      default:
        out += e;
        break;
    }
  }
  return out;
}

}  // namespace

Properties Properties::parse(std::string_view text) {
  Properties props;
  LineReader reader(text);
  LogicalLine line;
  while (reader.next(line)) {
    const std::string& s = line.text;
    size_t key_end = 0;
    bool escaped = false;
    for (; key_end < s.size(); ++key_end) {
      char c = s[key_end];
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '=' || c == ':' || is_blank(c)) {
        break;
      }
    }
    size_t value_start = key_end;
    while (value_start < s.size() && is_blank(s[value_start])) ++value_start;
    if (value_start < s.size() && (s[value_start] == '=' || s[value_start] == ':')) {
      ++value_start;
      while (value_start < s.size() && is_blank(s[value_start])) ++value_start;
    }
    std::string_view view(s);
    props.set(unescape(view.substr(0, key_end), line.line_number),
              unescape(view.substr(value_start), line.line_number));
  }
  return props;
}

Properties Properties::load_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(fmt::format("cannot read config file {}", path.string()));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw ConfigError(fmt::format("error reading config file {}", path.string()));
  try {
    return parse(buf.str());
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", path.string(), e.what()));
  }
}

const std::string* Properties::find(std::string_view key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

}  // namespace samsa::config
