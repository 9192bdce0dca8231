// Request and response headers, and the framing of a complete response.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "samsa/protocol/messages/api_table.h"
#include "samsa/protocol/outbound.h"
#include "samsa/protocol/reader.h"
#include "samsa/protocol/types.h"
#include "samsa/protocol/writer.h"

namespace samsa::protocol {

inline constexpr int16_t kApiVersionsKey = 18;

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
  std::vector<TaggedField> tagged_fields;  // header v2 only

  // True when samsa serves this key and version (the body can then be decoded).
  bool supported() const;
};

// Header version of a request: 2 (flexible, with tagged fields) or 1 (classic).
int16_t request_header_version(int16_t api_key, int16_t api_version);
// Header version of a response: 1 for flexible versions, else 0. ApiVersions always
// answers with v0, because clients parse it before knowing what the broker speaks.
int16_t response_header_version(int16_t api_key, int16_t api_version);

// Parses the header at the start of a request frame body (after the 4-byte size) and
// leaves `reader` at the request body. For an unknown key or version it still returns
// key, version and correlation id (and client id when present), so the broker can
// answer UNSUPPORTED_VERSION. Throws DecodeError if even those are missing.
RequestHeader decode_request_header(Reader& reader);

// Encodes a request header (for clients and tests).
void encode_request_header(Writer& writer, const RequestHeader& header);

// Writes a response header of the version the API and version call for.
void encode_response_header(Writer& writer, int16_t api_key, int16_t api_version,
                            int32_t correlation_id);

// Writes a placeholder for the 4-byte frame size; returns its position.
size_t begin_frame(Writer& writer);
// Fills in the size reserved by begin_frame (everything after it, splices included).
void end_frame(Writer& writer, size_t frame_start);

// A whole response frame: size prefix, header, body.
template <class Response>
OutboundMessage encode_response(int32_t correlation_id, const Response& response, int16_t version) {
  OutboundMessage out;
  Writer writer(out);
  const size_t start = begin_frame(writer);
  encode_response_header(writer, Response::api_key, version, correlation_id);
  response.encode(writer, version);
  end_frame(writer, start);
  return out;
}

// A whole request frame, as a client sends it: size prefix, header, body. Used by the
// tests and the load generator.
template <class Request>
OutboundMessage encode_request(const Request& request, int16_t version, int32_t correlation_id,
                               std::string client_id) {
  OutboundMessage out;
  Writer writer(out);
  const size_t start = begin_frame(writer);
  RequestHeader header;
  header.api_key = Request::api_key;
  header.api_version = version;
  header.correlation_id = correlation_id;
  header.client_id = std::move(client_id);
  encode_request_header(writer, header);
  request.encode(writer, version);
  end_frame(writer, start);
  return out;
}

}  // namespace samsa::protocol
