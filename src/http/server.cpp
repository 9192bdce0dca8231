// The HTTP/1.1 listener on Boost.Beast. One request at a time per connection (no
// pipelining): read it whole under a deadline and size limits, route it, write the
// answer under a deadline, then wait for the next one or close.
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "samsa/http/http.h"
#include "samsa/util/log.h"

namespace samsa::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; '+' is a space in a query string only. A malformed escape is kept
// as it is, as browsers do.
std::string url_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

void parse_target(std::string_view target, Request& request) {
  const size_t q = target.find('?');
  request.path = url_decode(target.substr(0, q), false);
  if (q == std::string_view::npos) return;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    request.query[url_decode(pair.substr(0, eq), true)] =
        eq == std::string_view::npos ? std::string{} : url_decode(pair.substr(eq + 1), true);
  }
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) segments.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

// "host:port" of an Origin header ("http://host:port"), to compare with Host.
std::string_view origin_authority(std::string_view origin) {
  const size_t scheme = origin.find("://");
  return scheme == std::string_view::npos ? origin : origin.substr(scheme + 3);
}

}  // namespace

// --- Router

void Router::add(std::string method, std::string pattern, Handler handler) {
  routes_.push_back(Route{std::move(method), split_path(pattern), std::move(handler)});
}

const Handler* Router::match(Request& request, int& status) const {
  const auto segments = split_path(request.path);
  status = 404;
  for (const auto& route : routes_) {
    std::map<std::string, std::string> params;
    bool matched = true;
    size_t i = 0;
    for (; i < route.segments.size(); ++i) {
      const std::string& pattern = route.segments[i];
      const bool is_param = pattern.size() > 2 && pattern.front() == '{' && pattern.back() == '}';
      if (is_param && pattern.size() > 5 && pattern.compare(pattern.size() - 4, 4, "...}") == 0) {
        if (i >= segments.size()) {
          matched = false;
          break;
        }
        std::string rest;
        for (size_t j = i; j < segments.size(); ++j) rest += (j > i ? "/" : "") + segments[j];
        params[pattern.substr(1, pattern.size() - 5)] = std::move(rest);
        i = segments.size();
        break;
      }
      if (i >= segments.size()) {
        matched = false;
        break;
      }
      if (is_param) {
        params[pattern.substr(1, pattern.size() - 2)] = segments[i];
      } else if (pattern != segments[i]) {
        matched = false;
        break;
      }
    }
    if (!matched || i != segments.size()) continue;
    if (route.method != request.method) {
      status = 405;
      continue;
    }
    request.params = std::move(params);
    status = 200;
    return &route.handler;
  }
  return nullptr;
}

std::pair<std::string, uint16_t> parse_listener(std::string_view text) {
  // Accept "http://host:port" too: people paste URLs.
  if (const size_t scheme = text.find("://"); scheme != std::string_view::npos)
    text = text.substr(scheme + 3);
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw std::invalid_argument("expected [ipv6]:port, got '" + std::string(text) + "'");
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
      throw std::invalid_argument("expected host:port, got '" + std::string(text) + "'");
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  if (port_text.empty() || port_text.size() > 5) throw std::invalid_argument("bad port");
  for (char c : port_text) {
    if (c < '0' || c > '9')
      throw std::invalid_argument("bad port '" + std::string(port_text) + "'");
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535) throw std::invalid_argument("port out of range");
  return {host, static_cast<uint16_t>(port)};
}

// --- Server

class Session;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& io, ServerOptions options, const Router& router)
      : io(io), options(std::move(options)), router(router), acceptor(io) {}

  void accept();

  asio::io_context& io;
  const ServerOptions options;
  const Router& router;
  tcp::acceptor acceptor;
  std::unordered_set<std::shared_ptr<Session>> sessions;
  bool stopped = false;
  uint64_t refused = 0;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::weak_ptr<Server::Impl> server, const ServerOptions& options,
          const Router& router)
      : stream_(std::move(socket)), server_(std::move(server)), options_(options), router_(router) {
    boost::system::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    peer_ = ec ? "?" : remote.address().to_string() + ":" + std::to_string(remote.port());
  }

  void start() { read_next(); }

  void close() {
    if (closed_) return;
    closed_ = true;
    wait_timer_.cancel();
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void read_next() {
    parser_.emplace();
    parser_->header_limit(options_.max_header_bytes);
    parser_->body_limit(options_.max_body_bytes);
    stream_.expires_after(std::chrono::milliseconds(options_.read_timeout_ms));
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (closed_) return;
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset) {
      return finish();
    }
    if (ec == beast::error::timeout) {
      // A connection idle between requests is normal; one stuck inside a request is not.
      if (buffer_.size() > 0 || parser_->got_some())
        spdlog::info("http: closing {}: request not received within {} ms", peer_,
                     options_.read_timeout_ms);
      return finish();
    }
    if (ec == bhttp::error::body_limit) {
      return refuse(413, "PAYLOAD_TOO_LARGE",
                    fmt::format("request bodies are limited to {} bytes "
                                "(samsa.http.request.max.bytes)",
                                options_.max_body_bytes));
    }
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      return refuse(431, "HEADERS_TOO_LARGE",
                    fmt::format("request line and headers are limited to {} bytes",
                                options_.max_header_bytes));
    }
    if (ec) {
      spdlog::info("http: closing {}: malformed request: {}", peer_, ec.message());
      return refuse(400, "BAD_REQUEST", "malformed HTTP request: " + ec.message());
    }
    admit(parser_->release());
  }

  // Handles the request, charging its loop time to the console's share; while the share
  // is spent, waits first (the Kafka listener runs meanwhile).
  void admit(bhttp::request<bhttp::string_body> message) {
    LoopShare* share = options_.loop_share.get();
    if (share == nullptr) return handle(std::move(message));
    if (const auto wait = share->wait_needed(LoopShare::Clock::now()); wait.count() > 0) {
      waiting_ = std::move(message);
      wait_timer_.expires_after(wait);
      wait_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec || self->closed_) return;
        auto next = std::move(*self->waiting_);
        self->waiting_.reset();
        self->admit(std::move(next));
      });
      return;
    }
    share->run_charged([&] { handle(std::move(message)); });
  }

  void handle(bhttp::request<bhttp::string_body> message) {
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    Request request;
    request.method = std::string(message.method_string());
    parse_target(std::string_view(message.target().data(), message.target().size()), request);
    request.body = std::move(message.body());
    request.peer = peer_;

    // The API changes things: a page of another site must not be able to make the
    // browser of someone on this machine call it (CSRF). Browsers send Origin with
    // cross-site requests, and cannot send a JSON content type cross-site without a
    // preflight we never answer.
    const bool changes = request.method != "GET" && request.method != "HEAD";
    if (changes) {
      const auto origin_field = message[bhttp::field::origin];
      const auto host_field = message[bhttp::field::host];
      const std::string_view origin(origin_field.data(), origin_field.size());
      const std::string_view host(host_field.data(), host_field.size());
      if (!origin.empty() && origin_authority(origin) != host)
        return respond(Response::error(403, "FORBIDDEN", "cross-origin requests are not accepted"));
      if (!request.body.empty() &&
          message[bhttp::field::content_type].find("application/json") == boost::string_view::npos)
        return respond(
            Response::error(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json"));
    }
    if (request.method == "HEAD") request.method = "GET";  // answered without the body
    head_only_ = message.method() == bhttp::verb::head;

    int status = 0;
    const Handler* handler = router_.match(request, status);
    if (handler == nullptr) {
      return respond(status == 405
                         ? Response::error(405, "METHOD_NOT_ALLOWED",
                                           request.method + " is not served for " + request.path)
                         : Response::error(404, "NOT_FOUND", "nothing at " + request.path));
    }
    awaiting_ = true;
    std::weak_ptr<Session> weak = shared_from_this();
    try {
      (*handler)(request, [weak](Response response) {
        if (auto self = weak.lock(); self && self->awaiting_) {
          self->awaiting_ = false;
          self->respond(std::move(response));
        }
      });
    } catch (const std::exception& e) {
      spdlog::error("http: {} {} failed: {}", request.method, request.path, e.what());
      if (awaiting_) {
        awaiting_ = false;
        respond(Response::error(500, "INTERNAL_ERROR", e.what()));
      }
    }
  }

  // Answers and closes: after a framing error the rest of the stream is meaningless.
  void refuse(int status, std::string_view code, std::string_view message) {
    keep_alive_ = false;
    version_ = 11;
    respond(Response::error(status, code, message));
  }

  void respond(Response response) {
    if (closed_) return;
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(response.status), version_ ? version_ : 11);
    out->set(bhttp::field::server, "samsa/" SAMSA_VERSION);
    out->set(bhttp::field::content_type, response.content_type);
    out->set("X-Content-Type-Options", "nosniff");
    bool cache_set = false;
    for (auto& [name, value] : response.headers) {
      if (beast::iequals(name, "cache-control")) cache_set = true;
      out->set(name, value);
    }
    if (!cache_set) out->set(bhttp::field::cache_control, "no-store");
    out->keep_alive(keep_alive_);
    out->body() = std::move(response.body);
    out->prepare_payload();
    if (head_only_) {
      const auto length = out->body().size();
      out->body().clear();
      out->content_length(length);
    }
    stream_.expires_after(std::chrono::milliseconds(options_.write_timeout_ms));
    bhttp::async_write(stream_, *out,
                       [self = shared_from_this(), out](beast::error_code ec, size_t) {
                         if (ec) {
                           if (ec == beast::error::timeout)
                             spdlog::info("http: closing {}: response not taken within {} ms",
                                          self->peer_, self->options_.write_timeout_ms);
                           return self->finish();
                         }
                         if (!self->keep_alive_) return self->finish();
                         self->read_next();
                       });
  }

  void finish() {
    close();
    if (auto server = server_.lock()) server->sessions.erase(shared_from_this());
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::request<bhttp::string_body>> waiting_;  // for the loop share
  asio::steady_timer wait_timer_{stream_.get_executor()};
  std::weak_ptr<Server::Impl> server_;
  const ServerOptions options_;  // a copy: a session may outlive a stopped server
  const Router& router_;
  std::string peer_;
  bool keep_alive_ = true;
  bool awaiting_ = false;
  bool head_only_ = false;
  bool closed_ = false;
  unsigned version_ = 11;
};

void Server::Impl::accept() {
  acceptor.async_accept(
      [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
        if (self->stopped) return;
        if (ec) {
          if (ec == asio::error::operation_aborted) return;
          // Out of descriptors and the like: log, and keep accepting after a pause would be
          // ideal; a retry on the next tick keeps the listener alive.
          spdlog::warn("http: accept failed: {}", ec.message());
          return asio::post(self->io, [self] { self->accept(); });
        }
        if (self->sessions.size() >= self->options.max_connections) {
          // Closed at once: a flood of HTTP clients must not take descriptors or memory the
          // Kafka listener needs.
          if (self->refused++ % 1000 == 0)
            spdlog::warn(
                "http: refusing a connection: {} open (samsa.http.max.connections); {} "
                "refused so far",
                self->sessions.size(), self->refused);
          boost::system::error_code ignored;
          socket.close(ignored);
        } else {
          socket.set_option(tcp::no_delay(true), ec);
          auto session =
              std::make_shared<Session>(std::move(socket), self, self->options, self->router);
          self->sessions.insert(session);
          session->start();
        }
        self->accept();
      });
}

Server::Server(asio::io_context& io, ServerOptions options, const Router& router)
    : impl_(std::make_shared<Impl>(io, std::move(options), router)) {}

Server::~Server() {
  stop();
}

void Server::start() {
  auto& a = impl_->acceptor;
  const auto& o = impl_->options;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(o.host.empty() ? "0.0.0.0" : o.host, ec);
  std::string where = (o.host.empty() ? "0.0.0.0" : o.host) + ":" + std::to_string(o.port);
  if (ec) throw std::system_error(ec, "samsa.http.listener " + where + ": not an IP address");
  const tcp::endpoint endpoint(address, o.port);
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::system_error(ec, "samsa.http.listener " + where);
  impl_->accept();
}

void Server::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  auto sessions = std::move(impl_->sessions);
  for (const auto& s : sessions) s->close();
}

uint16_t Server::bound_port() const {
  boost::system::error_code ec;
  const auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

size_t Server::connection_count() const {
  return impl_->sessions.size();
}

}  // namespace samsa::http
