// The console's static files (web/), compiled into the binary at build time by
// tools/embed/embed_assets.py, so the broker serves them with nothing on disk.
#pragma once

#include <span>
#include <string_view>

namespace samsa::http {

struct Asset {
  std::string_view path;          // URL path, e.g. "/index.html", "/app.js"
  std::string_view content_type;  // from the file's extension
  std::string_view bytes;
};

std::span<const Asset> assets();

}  // namespace samsa::http
