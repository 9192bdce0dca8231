#include "samsa/storage/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

namespace samsa::storage {
namespace {

// Kafka's Java client (via snappy-java) frames snappy data the xerial way: this magic,
// two int32 versions, then blocks of [int32 compressed length][raw snappy block].
constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeader = 16;
constexpr size_t kXerialBlock = 32 * 1024;

size_t initial_guess(size_t in, size_t max_out) {
  return std::min(max_out, std::max<size_t>(in * 4, 4096));
}

bool gunzip(std::span<const uint8_t> in, std::vector<uint8_t>& out, size_t max_out) {
  z_stream s{};
  if (inflateInit2(&s, 15 + 32) != Z_OK) return false;  // +32: gzip or zlib header
  s.next_in = const_cast<Bytef*>(in.data());
  s.avail_in = static_cast<uInt>(in.size());
  out.resize(initial_guess(in.size(), max_out));
  size_t produced = 0;
  int rc = Z_OK;
  while (true) {
    if (produced == out.size()) {
      if (out.size() >= max_out) break;
      out.resize(std::min(max_out, out.size() * 2));
    }
    s.next_out = out.data() + produced;
    s.avail_out = static_cast<uInt>(out.size() - produced);
    rc = inflate(&s, Z_NO_FLUSH);
    produced = out.size() - s.avail_out;
    if (rc == Z_STREAM_END || (rc != Z_OK && rc != Z_BUF_ERROR)) break;
    if (rc == Z_BUF_ERROR && s.avail_in == 0) break;  // truncated input
  }
  inflateEnd(&s);
  out.resize(produced);
  return rc == Z_STREAM_END;
}

bool append_raw_snappy(const uint8_t* p, size_t n, std::vector<uint8_t>& out, size_t max_out) {
  size_t len = 0;
  const char* src = reinterpret_cast<const char*>(p);
  if (!snappy::GetUncompressedLength(src, n, &len)) return false;
  if (out.size() + len > max_out) return false;
  const size_t at = out.size();
  out.resize(at + len);
  return snappy::RawUncompress(src, n, reinterpret_cast<char*>(out.data() + at));
}

bool unsnappy(std::span<const uint8_t> in, std::vector<uint8_t>& out, size_t max_out) {
  out.clear();
  if (in.size() < kXerialHeader || std::memcmp(in.data(), kXerialMagic, 8) != 0) {
    return append_raw_snappy(in.data(), in.size(), out, max_out);
  }
  size_t pos = kXerialHeader;
  while (pos < in.size()) {
    if (in.size() - pos < 4) return false;
    const auto len = static_cast<uint32_t>(load_be32(in.data() + pos));
    pos += 4;
    if (len > in.size() - pos) return false;
    if (!append_raw_snappy(in.data() + pos, len, out, max_out)) return false;
    pos += len;
  }
  return true;
}

bool unlz4(std::span<const uint8_t> in, std::vector<uint8_t>& out, size_t max_out) {
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) return false;
  out.resize(initial_guess(in.size(), max_out));
  size_t produced = 0;
  size_t consumed = 0;
  bool ok = false;
  while (true) {
    if (produced == out.size()) {
      if (out.size() >= max_out) break;
      out.resize(std::min(max_out, out.size() * 2));
    }
    size_t dst = out.size() - produced;
    size_t src = in.size() - consumed;
    const size_t hint =
        LZ4F_decompress(ctx, out.data() + produced, &dst, in.data() + consumed, &src, nullptr);
    if (LZ4F_isError(hint)) break;
    produced += dst;
    consumed += src;
    if (hint == 0) {  // frame complete
      ok = consumed == in.size();
      break;
    }
    if (src == 0 && dst == 0 && consumed == in.size()) break;  // truncated frame
  }
  LZ4F_freeDecompressionContext(ctx);
  out.resize(produced);
  return ok;
}

bool unzstd(std::span<const uint8_t> in, std::vector<uint8_t>& out, size_t max_out) {
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  if (!ctx) return false;
  out.resize(initial_guess(in.size(), max_out));
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  size_t produced = 0;
  bool ok = false;
  while (true) {
    if (produced == out.size()) {
      if (out.size() >= max_out) break;
      out.resize(std::min(max_out, out.size() * 2));
    }
    ZSTD_outBuffer ob{out.data(), out.size(), produced};
    const size_t rc = ZSTD_decompressStream(ctx, &ob, &ib);
    produced = ob.pos;
    if (ZSTD_isError(rc)) break;
    if (rc == 0 && ib.pos == ib.size) {
      ok = true;
      break;
    }
    if (ib.pos == ib.size && ob.pos < ob.size) break;  // truncated input
  }
  ZSTD_freeDCtx(ctx);
  out.resize(produced);
  return ok;
}

}  // namespace

bool decompress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>& out,
                size_t max_out) {
  switch (codec) {
    case Compression::kNone:
      if (in.size() > max_out) return false;
      out.assign(in.begin(), in.end());
      return true;
    case Compression::kGzip:
      return gunzip(in, out, max_out);
    case Compression::kSnappy:
      return unsnappy(in, out, max_out);
    case Compression::kLz4:
      return unlz4(in, out, max_out);
    case Compression::kZstd:
      return unzstd(in, out, max_out);
  }
  return false;
}

bool compress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  out.clear();
  switch (codec) {
    case Compression::kNone:
      out.assign(in.begin(), in.end());
      return true;
    case Compression::kGzip: {
      z_stream s{};
      if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
          Z_OK)
        return false;
      out.resize(deflateBound(&s, in.size()) + 32);
      s.next_in = const_cast<Bytef*>(in.data());
      s.avail_in = static_cast<uInt>(in.size());
      s.next_out = out.data();
      s.avail_out = static_cast<uInt>(out.size());
      const int rc = deflate(&s, Z_FINISH);
      out.resize(s.total_out);
      deflateEnd(&s);
      return rc == Z_STREAM_END;
    }
    case Compression::kSnappy: {
      out.assign(kXerialMagic, kXerialMagic + 8);
      out.resize(kXerialHeader);
      store_be32(out.data() + 8, 1);
      store_be32(out.data() + 12, 1);
      for (size_t pos = 0; pos < in.size(); pos += kXerialBlock) {
        const size_t n = std::min(kXerialBlock, in.size() - pos);
        const size_t at = out.size();
        out.resize(at + 4 + snappy::MaxCompressedLength(n));
        size_t written = 0;
        snappy::RawCompress(reinterpret_cast<const char*>(in.data() + pos), n,
                            reinterpret_cast<char*>(out.data() + at + 4), &written);
        store_be32(out.data() + at, static_cast<int32_t>(written));
        out.resize(at + 4 + written);
      }
      return true;
    }
    case Compression::kLz4: {
      out.resize(LZ4F_compressFrameBound(in.size(), nullptr));
      const size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), nullptr);
      if (LZ4F_isError(n)) return false;
      out.resize(n);
      return true;
    }
    case Compression::kZstd: {
      out.resize(ZSTD_compressBound(in.size()));
      const size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
      if (ZSTD_isError(n)) return false;
      out.resize(n);
      return true;
    }
  }
  return false;
}

}  // namespace samsa::storage
