#include "samsa/protocol/header.h"

#include <limits>

namespace samsa::protocol {

bool RequestHeader::supported() const {
  const ApiInfo* api = find_api(api_key);
  return api != nullptr && api->supports(api_version);
}

int16_t request_header_version(int16_t api_key, int16_t api_version) {
  const ApiInfo* api = find_api(api_key);
  return api != nullptr && api->is_flexible(api_version) ? 2 : 1;
}

int16_t response_header_version(int16_t api_key, int16_t api_version) {
  if (api_key == kApiVersionsKey) return 0;
  const ApiInfo* api = find_api(api_key);
  return api != nullptr && api->is_flexible(api_version) ? 1 : 0;
}

RequestHeader decode_request_header(Reader& reader) {
  RequestHeader h;
  h.api_key = reader.read_int16();
  h.api_version = reader.read_int16();
  h.correlation_id = reader.read_int32();
  // The client id stays a classic nullable string even in header v2.
  h.client_id = reader.read_nullable_string();
  if (!h.supported()) return h;  // the body is not ours to read
  if (request_header_version(h.api_key, h.api_version) >= 2) {
    const uint32_t count = reader.read_uvarint();
    for (uint32_t i = 0; i < count; ++i) {
      const uint32_t tag = reader.read_uvarint();
      auto data = reader.read_span(reader.read_uvarint());
      h.tagged_fields.push_back(TaggedField{tag, {data.begin(), data.end()}});
    }
  }
  return h;
}

void encode_request_header(Writer& writer, const RequestHeader& header) {
  writer.write_int16(header.api_key);
  writer.write_int16(header.api_version);
  writer.write_int32(header.correlation_id);
  writer.write_nullable_string(header.client_id);
  if (request_header_version(header.api_key, header.api_version) >= 2) {
    writer.write_uvarint(static_cast<uint32_t>(header.tagged_fields.size()));
    for (const auto& f : header.tagged_fields) writer.write_tagged_field(f);
  }
}

void encode_response_header(Writer& writer, int16_t api_key, int16_t api_version,
                            int32_t correlation_id) {
  writer.write_int32(correlation_id);
  if (response_header_version(api_key, api_version) >= 1) writer.write_uvarint(0);
}

size_t begin_frame(Writer& writer) {
  const size_t at = writer.message().bytes.size();
  writer.write_int32(0);
  return at;
}

void end_frame(Writer& writer, size_t frame_start) {
  const size_t total = writer.size() - frame_start - 4;
  if (total > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    throw EncodeError("response frame larger than 2 GiB");
  }
  writer.patch_int32(frame_start, static_cast<int32_t>(total));
}

}  // namespace samsa::protocol
