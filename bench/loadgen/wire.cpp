#include "wire.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <thread>

namespace samsa::bench {

namespace {

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

int try_connect(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    throw WireError("cannot resolve " + host + ": " + ::gai_strerror(rc));
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  return fd;
}

}  // namespace

Connection::Connection(const std::string& host, uint16_t port,
                       std::chrono::milliseconds retry_for) {
  const auto deadline = std::chrono::steady_clock::now() + retry_for;
  while ((fd_ = try_connect(host, port)) < 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      throw WireError("cannot connect to " + host + ":" + std::to_string(port));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

void Connection::send_all(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw WireError(errno_text("send"));
    }
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
}

void Connection::read_exact(uint8_t* into, size_t n) {
  while (n > 0) {
    const ssize_t got = ::recv(fd_, into, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw WireError(errno_text("recv"));
    }
    if (got == 0) throw WireError("the broker closed the connection");
    into += got;
    n -= static_cast<size_t>(got);
  }
}

void Connection::read_frame(std::vector<uint8_t>& out) {
  uint8_t size_bytes[4];
  read_exact(size_bytes, 4);
  const uint32_t size = (uint32_t{size_bytes[0]} << 24) | (uint32_t{size_bytes[1]} << 16) |
                        (uint32_t{size_bytes[2]} << 8) | uint32_t{size_bytes[3]};
  if (size > (1u << 30)) throw WireError("response frame larger than 1 GiB");
  // resize() would zero-fill the whole buffer on growth only; reuse keeps it cheap.
  out.resize(size);
  read_exact(out.data(), size);
}

void patch_correlation_id(std::vector<uint8_t>& frame, int32_t correlation_id) {
  const auto v = static_cast<uint32_t>(correlation_id);
  frame[kCorrelationIdOffset] = static_cast<uint8_t>(v >> 24);
  frame[kCorrelationIdOffset + 1] = static_cast<uint8_t>(v >> 16);
  frame[kCorrelationIdOffset + 2] = static_cast<uint8_t>(v >> 8);
  frame[kCorrelationIdOffset + 3] = static_cast<uint8_t>(v);
}

int32_t read_response_header(protocol::Reader& reader, int16_t api_key, int16_t version) {
  const int32_t correlation_id = reader.read_int32();
  if (protocol::response_header_version(api_key, version) >= 1) {
    const uint32_t tagged = reader.read_uvarint();
    for (uint32_t i = 0; i < tagged; ++i) {
      reader.read_uvarint();  // tag
      reader.read_span(reader.read_uvarint());
    }
  }
  return correlation_id;
}

}  // namespace samsa::bench
