// Listener endpoints: "NAME://host:port" lists as in Kafka's listeners and
// advertised.listeners, and the listener.security.protocol.map that names their protocol.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace samsa::config {

enum class SecurityProtocol { kPlaintext, kSsl, kSaslPlaintext, kSaslSsl };
std::string_view to_string(SecurityProtocol protocol);

struct Endpoint {
  std::string listener_name;  // upper-cased, as Kafka normalises listener names
  std::string host;           // may be empty (all interfaces); IPv6 without brackets
  uint16_t port = 0;

  bool operator==(const Endpoint&) const = default;
};

// "NAME://host:port" (host may be empty, a name, IPv4 or "[IPv6]"). Throws ConfigError
// naming `key` on a malformed entry.
Endpoint parse_endpoint(std::string_view text, std::string_view key);
// Comma-separated list of endpoints; blanks around entries are ignored. Duplicate
// listener names are an error.
std::vector<Endpoint> parse_endpoint_list(std::string_view text, std::string_view key);

using SecurityProtocolMap = std::map<std::string, SecurityProtocol, std::less<>>;
// "NAME:PROTOCOL,NAME:PROTOCOL". Throws ConfigError naming the key on an unknown protocol.
SecurityProtocolMap parse_security_protocol_map(std::string_view text);
// Kafka's default: each protocol name maps to itself.
SecurityProtocolMap default_security_protocol_map();

// "host:port" for logs and for clients ("[::1]:9092" for IPv6).
std::string host_port(const Endpoint& endpoint);

}  // namespace samsa::config
