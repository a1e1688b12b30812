#include "testing/local_http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace ddbcrypt::testing {
namespace {

// A request head larger than this is answered 431 and the connection closed.
constexpr std::size_t kMaxHead = 64 * 1024;
constexpr std::size_t kMaxMethod = 32;

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

using Headers = std::vector<std::pair<std::string, std::string>>;

const std::string* find_header(const Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (equals_ignoring_case(n, name)) return &v;
  }
  return nullptr;
}

std::string_view reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string status_line(int status) {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason(status)) + "\r\n";
}

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Appends what the peer sent next; false at end of stream, on an error or after shutdown().
bool read_more(int fd, std::string& buffer) {
  char chunk[16 * 1024];
  for (;;) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

// Whether `buffer`, the start of a request, can still become "METHOD SP ...": optional empty
// lines (RFC 9112 §2.2), then an upper-case method. A TLS ClientHello fails at its first byte.
bool may_start_request(std::string_view buffer) {
  while (buffer.substr(0, 2) == "\r\n") buffer.remove_prefix(2);
  if (buffer == "\r") return true;
  for (std::size_t i = 0; i < buffer.size(); ++i) {
    const char c = buffer[i];
    if (c == ' ') return i > 0;
    if (c < 'A' || c > 'Z' || i >= kMaxMethod) return false;
  }
  return true;
}

struct ParsedHead {
  ReceivedRequest request;
  bool http10 = false;
};

// Parses the request line and headers (`head` without its final CRLF CRLF).
std::optional<ParsedHead> parse_head(std::string_view head) {
  while (head.substr(0, 2) == "\r\n") head.remove_prefix(2);
  ParsedHead parsed;
  const auto line_end = head.find("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return std::nullopt;
  parsed.request.method = std::string(line.substr(0, sp1));
  parsed.request.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  const std::string_view version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return std::nullopt;
  parsed.http10 = version == "HTTP/1.0";
  std::string_view rest = line_end == std::string_view::npos ? std::string_view{}
                                                              : head.substr(line_end + 2);
  while (!rest.empty()) {
    const auto end = rest.find("\r\n");
    const std::string_view header = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 2);
    const auto colon = header.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    parsed.request.headers.emplace_back(std::string(header.substr(0, colon)),
                                        std::string(trim(header.substr(colon + 1))));
  }
  return parsed;
}

std::optional<std::size_t> parse_length(const std::string& text) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

void append_headers(std::string& out, const Headers& headers) {
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
}

}  // namespace

std::string ReceivedRequest::header(std::string_view name) const {
  const std::string* value = find_header(headers, name);
  return value ? *value : std::string();
}

struct LocalHttpServer::Impl {
  explicit Impl(RequestHandler h) : handler(std::move(h)) {}
  ~Impl() {
    if (listen_fd >= 0) ::close(listen_fd);
    if (wake_read >= 0) ::close(wake_read);
    if (wake_write >= 0) ::close(wake_write);
  }

  void start();
  void stop();
  void accept_loop();
  void serve(int fd, int connection);
  // Serves one request from `buffer`; false when the connection is to be closed.
  bool serve_one(int fd, int connection, std::string& buffer);
  // Waits `delay` unless the server stops first; false when it stopped.
  bool wait(std::chrono::milliseconds delay);

  const RequestHandler handler;
  int listen_fd = -1;
  int wake_read = -1;   // readable once stop() has begun
  int wake_write = -1;
  int port = 0;
  std::thread acceptor;

  mutable std::mutex mutex;
  std::condition_variable stopped;           // notified when `stopping` is set
  bool stopping = false;                     // guarded by mutex
  int connections = 0;                       // guarded by mutex
  std::vector<ReceivedRequest> requests;     // guarded by mutex
  std::vector<std::thread> workers;          // guarded by mutex
  std::set<int> open_fds;                    // guarded by mutex
};

void LocalHttpServer::Impl::start() {
  listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd < 0) throw std::runtime_error(errno_text("LocalHttpServer socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error(errno_text("LocalHttpServer bind 127.0.0.1"));
  }
  if (::listen(listen_fd, 128) != 0) throw std::runtime_error(errno_text("LocalHttpServer listen"));
  socklen_t len = sizeof addr;
  if (::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error(errno_text("LocalHttpServer getsockname"));
  }
  port = ntohs(addr.sin_port);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(errno_text("LocalHttpServer pipe"));
  }
  wake_read = pipe_fds[0];
  wake_write = pipe_fds[1];
  acceptor = std::thread([this] { accept_loop(); });
}

void LocalHttpServer::Impl::stop() {
  {
    std::lock_guard lock(mutex);
    stopping = true;
    // Wakes every worker blocked in recv(); each closes its own descriptor.
    for (int fd : open_fds) ::shutdown(fd, SHUT_RDWR);
  }
  stopped.notify_all();
  if (wake_write >= 0) {
    const char byte = 0;
    while (::write(wake_write, &byte, 1) < 0 && errno == EINTR) {
    }
  }
  if (acceptor.joinable()) acceptor.join();
  // No worker is added once the acceptor has gone.
  std::vector<std::thread> finishing;
  {
    std::lock_guard lock(mutex);
    finishing.swap(workers);
  }
  for (auto& worker : finishing) worker.join();
}

void LocalHttpServer::Impl::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake_read, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // the peer gave up already (ECONNABORTED), or EAGAIN
    std::lock_guard lock(mutex);
    if (stopping) {
      ::close(fd);
      return;
    }
    const int connection = ++connections;
    open_fds.insert(fd);
    workers.emplace_back([this, fd, connection] { serve(fd, connection); });
  }
}

void LocalHttpServer::Impl::serve(int fd, int connection) {
  std::string buffer;
  try {
    while (serve_one(fd, connection, buffer)) {
    }
  } catch (...) {
    // Out of memory in a test helper: drop the connection, the client sees a reset.
  }
  std::lock_guard lock(mutex);
  open_fds.erase(fd);
  ::close(fd);
}

bool LocalHttpServer::Impl::wait(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex);
  return !stopped.wait_for(lock, delay, [this] { return stopping; });
}

bool LocalHttpServer::Impl::serve_one(int fd, int connection, std::string& buffer) {
  std::size_t head_end;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (!may_start_request(buffer)) {
      send_all(fd, status_line(400) + "Content-Length: 0\r\nConnection: close\r\n\r\n");
      return false;
    }
    if (buffer.size() > kMaxHead) {
      send_all(fd, status_line(431) + "Content-Length: 0\r\nConnection: close\r\n\r\n");
      return false;
    }
    if (!read_more(fd, buffer)) return false;
  }
  auto parsed = parse_head(std::string_view(buffer).substr(0, head_end));
  if (!parsed) {
    send_all(fd, status_line(400) + "Content-Length: 0\r\nConnection: close\r\n\r\n");
    return false;
  }
  ReceivedRequest& request = parsed->request;
  buffer.erase(0, head_end + 4);
  if (find_header(request.headers, "Transfer-Encoding") != nullptr) {
    send_all(fd, status_line(501) + "Content-Length: 0\r\nConnection: close\r\n\r\n");
    return false;
  }
  std::size_t length = 0;
  if (const std::string* text = find_header(request.headers, "Content-Length")) {
    const auto value = parse_length(*text);
    if (!value) {
      send_all(fd, status_line(400) + "Content-Length: 0\r\nConnection: close\r\n\r\n");
      return false;
    }
    length = *value;
  }
  const std::string* expect = find_header(request.headers, "Expect");
  if (expect != nullptr && equals_ignoring_case(*expect, "100-continue") &&
      length > buffer.size()) {
    if (!send_all(fd, status_line(100) + "\r\n")) return false;
  }
  while (buffer.size() < length) {
    if (!read_more(fd, buffer)) return false;
  }
  request.body = buffer.substr(0, length);
  buffer.erase(0, length);
  request.connection = connection;
  {
    std::lock_guard lock(mutex);
    requests.push_back(request);
  }

  ScriptedReply reply;
  try {
    reply = handler(request);
  } catch (const std::exception& e) {
    reply = ScriptedReply{.status = 500, .body = std::string("handler threw: ") + e.what()};
  } catch (...) {
    reply = ScriptedReply{.status = 500, .body = "handler threw"};
  }
  if (reply.delay.count() > 0 && !wait(reply.delay)) return false;
  if (reply.drop) return false;

  const std::string* connection_header = find_header(request.headers, "Connection");
  const bool client_closes =
      parsed->http10
          ? !(connection_header && equals_ignoring_case(*connection_header, "keep-alive"))
          : (connection_header && equals_ignoring_case(*connection_header, "close"));
  const bool close_after = reply.close || reply.truncate || client_closes;

  std::string out;
  for (const InterimReply& interim : reply.interim) {
    out += status_line(interim.status);
    append_headers(out, interim.headers);
    out += "\r\n";
  }
  out += status_line(reply.status);
  append_headers(out, reply.headers);
  if (!find_header(reply.headers, "Content-Length") &&
      !find_header(reply.headers, "Transfer-Encoding")) {
    out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  }
  if (close_after) out += "Connection: close\r\n";
  out += "\r\n";
  if (request.method != "HEAD") {
    out += reply.truncate ? std::string_view(reply.body).substr(0, reply.body.size() / 2)
                          : std::string_view(reply.body);
  }
  if (!send_all(fd, out)) return false;
  if (close_after) {
    // Send FIN, then wait for the peer to close, so unread request bytes cannot turn the close
    // into a reset that would race the response.
    ::shutdown(fd, SHUT_WR);
    std::string ignored;
    while (read_more(fd, ignored)) ignored.clear();
    return false;
  }
  return true;
}

LocalHttpServer::LocalHttpServer(RequestHandler handler)
    : impl_(std::make_unique<Impl>(std::move(handler))) {
  impl_->start();
}

LocalHttpServer::~LocalHttpServer() { impl_->stop(); }

std::string LocalHttpServer::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

int LocalHttpServer::port() const { return impl_->port; }

std::vector<ReceivedRequest> LocalHttpServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

int LocalHttpServer::connections_accepted() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->connections;
}

RequestHandler reply_in_order(std::vector<ScriptedReply> replies) {
  struct State {
    std::mutex mutex;
    std::vector<ScriptedReply> replies;  // guarded by mutex
    std::size_t next = 0;                // guarded by mutex
  };
  auto state = std::make_shared<State>();
  state->replies = std::move(replies);
  return [state](const ReceivedRequest&) {
    std::lock_guard lock(state->mutex);
    if (state->replies.empty()) return ScriptedReply{.status = 500, .body = "no scripted reply"};
    const std::size_t i = std::min(state->next, state->replies.size() - 1);
    ++state->next;
    return state->replies[i];
  };
}

}  // namespace ddbcrypt::testing
