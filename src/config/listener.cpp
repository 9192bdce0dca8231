#include "samsa/config/listener.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "samsa/config/error.h"
#include "samsa/util/strings.h"

namespace samsa::config {
namespace {

bool valid_listener_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

}  // namespace

std::string_view to_string(SecurityProtocol protocol) {
  switch (protocol) {
    case SecurityProtocol::kPlaintext:
      return "PLAINTEXT";
    case SecurityProtocol::kSsl:
      return "SSL";
    case SecurityProtocol::kSaslPlaintext:
      return "SASL_PLAINTEXT";
    case SecurityProtocol::kSaslSsl:
      return "SASL_SSL";
  }
  return "UNKNOWN";
}

Endpoint parse_endpoint(std::string_view text, std::string_view key) {
  auto fail = [&](std::string_view why) {
    return ConfigError(fmt::format(
        "{}: invalid listener '{}' ({}); expected NAME://host:port, e.g. PLAINTEXT://:9092", key,
        text, why));
  };
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) throw fail("missing '://'");
  Endpoint ep;
  ep.listener_name = to_upper(text.substr(0, sep));
  if (!valid_listener_name(ep.listener_name)) throw fail("bad listener name");
  std::string_view rest = text.substr(sep + 3);
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) throw fail("missing port");
  std::string_view host = rest.substr(0, colon);
  std::string_view port = rest.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') throw fail("unbalanced '[' in host");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    throw fail("IPv6 hosts must be written in brackets");
  }
  ep.host = std::string(host);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    throw fail("port must be a number from 0 to 65535");
  }
  ep.port = static_cast<uint16_t>(value);
  return ep;
}

std::vector<Endpoint> parse_endpoint_list(std::string_view text, std::string_view key) {
  std::vector<Endpoint> out;
  for (std::string_view part : split_list(text)) {
    Endpoint ep = parse_endpoint(part, key);
    for (const Endpoint& seen : out) {
      if (seen.listener_name == ep.listener_name) {
        throw ConfigError(
            fmt::format("{}: listener name {} appears more than once", key, ep.listener_name));
      }
    }
    out.push_back(std::move(ep));
  }
  return out;
}

SecurityProtocolMap default_security_protocol_map() {
  return {{"PLAINTEXT", SecurityProtocol::kPlaintext},
          {"SSL", SecurityProtocol::kSsl},
          {"SASL_PLAINTEXT", SecurityProtocol::kSaslPlaintext},
          {"SASL_SSL", SecurityProtocol::kSaslSsl}};
}

SecurityProtocolMap parse_security_protocol_map(std::string_view text) {
  constexpr std::string_view kKey = "listener.security.protocol.map";
  SecurityProtocolMap out;
  const SecurityProtocolMap known = default_security_protocol_map();
  for (std::string_view part : split_list(text)) {
    size_t colon = part.find(':');
    if (colon == std::string_view::npos) {
      throw ConfigError(fmt::format("{}: entry '{}' is not NAME:PROTOCOL", kKey, part));
    }
    std::string name = to_upper(trim(part.substr(0, colon)));
    std::string protocol = to_upper(trim(part.substr(colon + 1)));
    auto it = known.find(protocol);
    if (it == known.end() || !valid_listener_name(name)) {
      throw ConfigError(fmt::format(
          "{}: entry '{}' must map a listener name to one of PLAINTEXT, SSL, SASL_PLAINTEXT, "
          "SASL_SSL",
          kKey, part));
    }
    out[name] = it->second;
  }
  return out;
}

std::string host_port(const Endpoint& endpoint) {
  if (endpoint.host.find(':') != std::string::npos) {
    return fmt::format("[{}]:{}", endpoint.host, endpoint.port);
  }
  return fmt::format("{}:{}", endpoint.host, endpoint.port);
}

}  // namespace samsa::config
