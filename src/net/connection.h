// One client connection: a reader coroutine and a writer coroutine sharing a queue
// of response slots (the shape of Asio's chat_server example).
#pragma once

#include <utility>  // before Asio: Boost 1.74 + g++ 12 need it for std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <memory>

#include "samsa/net/request.h"
#include "samsa/net/server.h"
#include "samsa/util/frame_bytes.h"

namespace samsa::net {

class Connection : public detail::SlotOwner, public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, const ServerOptions& options,
             RequestHandler& handler, uint64_t id, uint32_t listener,
             std::function<void(uint64_t)> on_closed);

  void start();
  void close();

  void slot_completed() override;
  bool is_open() const override { return open_; }
  uint64_t id() const { return id_; }

 private:
  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> write_loop();
  boost::asio::awaitable<boost::system::error_code> write_message(
      const protocol::OutboundMessage& message);
  boost::asio::awaitable<boost::system::error_code> send_file(const FileSlice& slice);
  boost::asio::awaitable<void> wait(boost::asio::steady_timer& signal);
  // Reports a completed request to options_.metrics.
  void observe(const detail::ResponseSlot& slot);

  boost::asio::ip::tcp::socket socket_;
  const ServerOptions& options_;
  RequestHandler& handler_;
  uint64_t id_;
  uint32_t listener_;
  std::string peer_;
  std::function<void(uint64_t)> on_closed_;
  bool open_ = true;

  std::deque<std::shared_ptr<detail::ResponseSlot>> slots_;
  boost::asio::steady_timer writer_signal_;
  boost::asio::steady_timer reader_signal_;
  // Not zero-filled: an idle connection touches only the pages its reads fill, and the
  // first touch of a page is what costs here (docs/performance.md).
  util::FrameBytes read_buffer_;
};

}  // namespace samsa::net
