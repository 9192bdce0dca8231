#include "api_support.h"

#include "samsa/storage/log_manager.h"
#include "samsa/util/log.h"

namespace samsa::http {

bool field_string(const Json& body, const char* name, bool required, std::string& out,
                  const Reply& reply) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (!required) return true;
    reply(bad_request(fmt::format("\"{}\" is required", name)));
    return false;
  }
  if (!it->is_string()) {
    reply(bad_request(fmt::format("\"{}\" must be a string", name)));
    return false;
  }
  out = it->get<std::string>();
  return true;
}

bool field_int(const Json& body, const char* name, bool required, int64_t min, int64_t max,
               int64_t& out, const Reply& reply) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (!required) return true;
    reply(bad_request(fmt::format("\"{}\" is required", name)));
    return false;
  }
  bool ok = false;
  int64_t value = 0;
  if (it->is_number_unsigned()) {
    const uint64_t u = it->get<uint64_t>();
    ok = u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    value = static_cast<int64_t>(u);
  } else if (it->is_number_integer()) {
    ok = true;
    value = it->get<int64_t>();
  }
  if (!ok || value < min || value > max) {
    reply(bad_request(fmt::format("\"{}\" must be an integer in [{}, {}]", name, min, max)));
    return false;
  }
  out = value;
  return true;
}

bool field_nullable_string(const Json& body, const char* name, std::optional<std::string>& out,
                           const Reply& reply) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    out.reset();
    return true;
  }
  if (!it->is_string()) {
    reply(bad_request(fmt::format("\"{}\" must be a string or null", name)));
    return false;
  }
  out = it->get<std::string>();
  return true;
}

std::optional<std::string> config_value(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  return std::nullopt;
}

int32_t partition_count(const ApiContext& api, const std::string& topic) {
  const storage::TopicMetadata* meta = api.services.logs.find_topic(topic);
  return meta ? meta->partition_count : -1;
}

}  // namespace samsa::http
