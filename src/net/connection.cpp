#include "connection.h"

#include <sys/sendfile.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

#include "samsa/metrics/broker_metrics.h"
#include "samsa/util/log.h"

namespace samsa::net {

namespace asio = boost::asio;
using asio::use_awaitable;

namespace {

constexpr size_t kReadBufferSize = 64 * 1024;

int32_t load_be32(const uint8_t* p) {
  return static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                              (uint32_t{p[2]} << 8) | uint32_t{p[3]});
}

std::string describe(const asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, const ServerOptions& options,
                       RequestHandler& handler, uint64_t id, uint32_t listener,
                       std::function<void(uint64_t)> on_closed)
    : socket_(std::move(socket)),
      options_(options),
      handler_(handler),
      id_(id),
      listener_(listener),
      peer_(describe(socket_)),
      on_closed_(std::move(on_closed)),
      writer_signal_(socket_.get_executor()),
      reader_signal_(socket_.get_executor()) {
  writer_signal_.expires_at(asio::steady_timer::time_point::max());
  reader_signal_.expires_at(asio::steady_timer::time_point::max());
}

void Connection::start() {
  boost::system::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  if (options_.send_buffer_bytes > 0)
    socket_.set_option(asio::socket_base::send_buffer_size(options_.send_buffer_bytes), ec);
  if (options_.receive_buffer_bytes > 0)
    socket_.set_option(asio::socket_base::receive_buffer_size(options_.receive_buffer_bytes), ec);
  socket_.native_non_blocking(true, ec);
  spdlog::debug("connection {} from {}", id_, peer_);

  auto self = shared_from_this();
  asio::co_spawn(
      socket_.get_executor(), [self] { return self->read_loop(); }, asio::detached);
  asio::co_spawn(
      socket_.get_executor(), [self] { return self->write_loop(); }, asio::detached);
}

void Connection::close() {
  if (!open_) return;
  open_ = false;
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  writer_signal_.cancel();
  reader_signal_.cancel();
  spdlog::debug("connection {} from {} closed", id_, peer_);
  if (on_closed_) on_closed_(id_);
}

void Connection::slot_completed() {
  // Only the head of the queue lets the writer make progress.
  if (!slots_.empty() && slots_.front()->state != detail::ResponseSlot::State::pending)
    writer_signal_.cancel();
}

void Connection::observe(const detail::ResponseSlot& slot) {
  if (slot.read_at == std::chrono::steady_clock::time_point{}) return;
  const std::chrono::duration<double> took = slot.completed_at - slot.read_at;
  options_.metrics->request_completed(slot.api_key, slot.api_version, took.count(),
                                      slot.state == detail::ResponseSlot::State::close);
}

asio::awaitable<void> Connection::wait(asio::steady_timer& signal) {
  boost::system::error_code ec;
  signal.expires_at(asio::steady_timer::time_point::max());
  co_await signal.async_wait(asio::redirect_error(use_awaitable, ec));
}

// Socket errors travel as error codes, not exceptions: a client hanging up is the
// normal end of a connection, and a throw costs microseconds per close (the first one
// in a process far more, while the unwinder sorts its tables).
asio::awaitable<void> Connection::read_loop() {
  auto self = shared_from_this();
  read_buffer_.resize(kReadBufferSize);
  size_t begin = 0, end = 0;
  boost::system::error_code ec;
  auto into_ec = asio::redirect_error(use_awaitable, ec);
  try {
    while (open_) {
      while (open_ && slots_.size() >= options_.max_in_flight_per_connection)
        co_await wait(reader_signal_);
      if (!open_) break;

      if (end - begin < 4) {
        std::memmove(read_buffer_.data(), read_buffer_.data() + begin, end - begin);
        end -= begin;
        begin = 0;
        while (end < 4 && !ec)
          end += co_await socket_.async_read_some(
              asio::buffer(read_buffer_.data() + end, read_buffer_.size() - end), into_ec);
        if (ec) break;
      }
      const int32_t size = load_be32(read_buffer_.data() + begin);
      begin += 4;
      if (size < 0 || size > options_.socket_request_max_bytes) {
        spdlog::warn(
            "closing connection {} from {}: request size {} outside 0..{} "
            "(socket.request.max.bytes)",
            id_, peer_, size, options_.socket_request_max_bytes);
        break;
      }

      util::FrameBytes frame(static_cast<size_t>(size));
      const size_t have = std::min(end - begin, frame.size());
      std::memcpy(frame.data(), read_buffer_.data() + begin, have);
      begin += have;
      if (have < frame.size()) {
        co_await asio::async_read(socket_, asio::buffer(frame.data() + have, frame.size() - have),
                                  into_ec);
        if (ec) break;
      }

      auto slot = std::make_shared<detail::ResponseSlot>();
      if (options_.metrics != nullptr) {
        // The request header starts with the API key and version (int16 each).
        if (frame.size() >= 4) {
          slot->api_key = static_cast<int16_t>((frame[0] << 8) | frame[1]);
          slot->api_version = static_cast<int16_t>((frame[2] << 8) | frame[3]);
        }
        slot->read_at = std::chrono::steady_clock::now();
      }
      slots_.push_back(slot);
      InboundRequest request{std::move(frame), Responder(slot, weak_from_this()), id_, listener_,
                             peer_};
      handler_.on_request(std::move(request));
    }
  } catch (const std::exception& e) {
    spdlog::error("connection {} from {}: {}", id_, peer_, e.what());
  }
  if (ec && ec != asio::error::eof && ec != asio::error::operation_aborted &&
      ec != asio::error::connection_reset)
    spdlog::debug("connection {} from {}: read failed: {}", id_, peer_, ec.message());
  close();
}

asio::awaitable<void> Connection::write_loop() {
  auto self = shared_from_this();
  std::vector<asio::const_buffer> gather;
  std::vector<std::shared_ptr<detail::ResponseSlot>> batch;
  boost::system::error_code ec;
  auto into_ec = asio::redirect_error(use_awaitable, ec);
  try {
    while (open_ && !ec) {
      if (slots_.empty() || slots_.front()->state == detail::ResponseSlot::State::pending) {
        co_await wait(writer_signal_);
        continue;
      }
      // Take every completed response at the head: one gathered write serves them all,
      // unless one carries file slices, which go out through sendfile.
      bool close_after = false;
      batch.clear();
      while (!slots_.empty() && slots_.front()->state != detail::ResponseSlot::State::pending) {
        auto slot = std::move(slots_.front());
        slots_.pop_front();
        if (options_.metrics != nullptr) observe(*slot);
        if (slot->state == detail::ResponseSlot::State::close) {
          close_after = true;
          break;
        }
        if (slot->state == detail::ResponseSlot::State::ready) batch.push_back(std::move(slot));
      }
      if (slots_.size() < options_.max_in_flight_per_connection) reader_signal_.cancel();

      gather.clear();
      for (const auto& slot : batch) {
        const auto& message = slot->message;
        if (message.splices.empty()) {
          gather.emplace_back(asio::buffer(message.bytes));
          continue;
        }
        if (!gather.empty()) {
          co_await asio::async_write(socket_, gather, into_ec);
          gather.clear();
          if (ec) break;
        }
        ec = co_await write_message(message);
        if (ec) break;
      }
      if (!gather.empty() && !ec) co_await asio::async_write(socket_, gather, into_ec);
      batch.clear();
      if (close_after && !ec) {
        spdlog::info("closing connection {} from {} after a malformed request", id_, peer_);
        break;
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("connection {} from {}: {}", id_, peer_, e.what());
  }
  if (ec && ec != asio::error::operation_aborted && ec != asio::error::broken_pipe &&
      ec != asio::error::connection_reset)
    spdlog::debug("connection {} from {}: write failed: {}", id_, peer_, ec.message());
  close();
}

asio::awaitable<boost::system::error_code> Connection::write_message(
    const protocol::OutboundMessage& message) {
  boost::system::error_code ec;
  auto into_ec = asio::redirect_error(use_awaitable, ec);
  size_t pos = 0;
  for (const auto& splice : message.splices) {
    if (splice.at > pos) {
      co_await asio::async_write(socket_, asio::buffer(message.bytes.data() + pos, splice.at - pos),
                                 into_ec);
      if (ec) co_return ec;
      pos = splice.at;
    }
    ec = co_await send_file(splice.slice);
    if (ec) co_return ec;
  }
  if (pos < message.bytes.size())
    co_await asio::async_write(
        socket_, asio::buffer(message.bytes.data() + pos, message.bytes.size() - pos), into_ec);
  co_return ec;
}

asio::awaitable<boost::system::error_code> Connection::send_file(const FileSlice& slice) {
  boost::system::error_code ec;
  off_t offset = static_cast<off_t>(slice.offset);
  size_t remaining = slice.length;
  while (remaining > 0) {
    const ssize_t n = ::sendfile(socket_.native_handle(), slice.file->fd(), &offset, remaining);
    if (n > 0) {
      remaining -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (errno == EAGAIN) {
        co_await socket_.async_wait(asio::ip::tcp::socket::wait_write,
                                    asio::redirect_error(use_awaitable, ec));
        if (ec) co_return ec;
      }
      continue;
    }
    if (n == 0) {
      // The file is shorter than promised (truncated underneath us): the response
      // frame can no longer be completed, so the connection must go.
      throw std::runtime_error("sendfile: file ended before the promised slice");
    }
    co_return boost::system::error_code(errno, boost::system::system_category());
  }
  co_return ec;
}

}  // namespace samsa::net
