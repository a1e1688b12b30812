// LocalHttpServer: a scripted HTTP/1.1 server on 127.0.0.1 for transport, retry and
// credential-source tests.
//
// It listens on a free loopback port, serves each connection on its own thread with
// keep-alive, records every request, and answers each one with whatever the test's handler
// returns, including faults no real service produces on demand: a dropped connection before
// any answer, a delay, a body cut short. It never listens on anything but 127.0.0.1.
//
// Requests need a Content-Length when they have a body (a chunked request is answered 501 and
// the connection closed). "Expect: 100-continue" is honoured. Bytes that cannot start an HTTP
// request (a TLS ClientHello, say) are answered 400 at once and the connection closed, so a
// client speaking the wrong protocol fails fast instead of waiting. A handler that throws is
// answered 500. Destruction cuts short pending delays.
//
//   testing::LocalHttpServer server([](const testing::ReceivedRequest& r) {
//     return testing::ScriptedReply{.status = 200, .body = R"({"ok":true})"};
//   });
//   http.send({.url = server.endpoint() + "/x"}, options);
//   EXPECT_EQ(server.requests().size(), 1u);
//
// Thread-safety: the handler is called from the server's threads, possibly concurrently;
// the accessors may be called from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ddbcrypt::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;  // request target as sent: path and query, e.g. "/latest/api/token"
  std::vector<std::pair<std::string, std::string>> headers;  // names as received
  std::string body;
  int connection = 0;  // 1 for the first accepted connection, 2 for the next, ...

  // Case-insensitive lookup of the first header with this name; empty when absent.
  std::string header(std::string_view name) const;
};

// An informational (1xx) response sent ahead of the real one, e.g. 103 Early Hints.
struct InterimReply {
  int status = 103;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ScriptedReply {
  int status = 200;
  // Sent in this order. Content-Length is added unless they hold Content-Length or
  // Transfer-Encoding, in which case `body` goes out exactly as given (already chunked, say).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<InterimReply> interim;   // sent first, in order
  std::chrono::milliseconds delay{0};  // wait this long before answering
  bool drop = false;                   // close the connection without answering
  bool truncate = false;  // announce the full Content-Length, send half the body, close
  bool close = false;     // answer with "Connection: close" and close afterwards
};

using RequestHandler = std::function<ScriptedReply(const ReceivedRequest&)>;

class LocalHttpServer {
 public:
  // Starts listening at once; throws std::runtime_error when it cannot.
  explicit LocalHttpServer(RequestHandler handler);
  // Stops accepting, closes open connections and joins every thread.
  ~LocalHttpServer();
  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  // "http://127.0.0.1:<port>"
  [[nodiscard]] std::string endpoint() const;
  [[nodiscard]] int port() const;
  // Every request received so far, in arrival order.
  [[nodiscard]] std::vector<ReceivedRequest> requests() const;
  [[nodiscard]] int connections_accepted() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A handler that answers the requests with `replies` in order, then with the last one again
// (or 500 when the list is empty).
[[nodiscard]] RequestHandler reply_in_order(std::vector<ScriptedReply> replies);

}  // namespace ddbcrypt::testing
