// The libcurl transport against real loopback servers: testing::LocalHttpServer for HTTP, and a
// small TLS server with a self-signed certificate for verification.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ddbcrypt/aws/http.h"
#include "testing/local_http_server.h"
#include "testing/scoped_environment.h"

namespace ddbcrypt::aws {
namespace {

using namespace std::chrono_literals;
using testing::LocalHttpServer;
using testing::ReceivedRequest;
using testing::ScriptedReply;
using Clock = std::chrono::steady_clock;

HttpOptions quick() {
  HttpOptions options;
  options.connect_timeout = 2s;
  options.request_timeout = 5s;
  return options;
}

TransportError send_expecting_error(const HttpTransport& http, const HttpRequest& request,
                                    const HttpOptions& options = quick()) {
  try {
    (void)http.send(request, options);
  } catch (const TransportError& e) {
    return e;
  }
  ADD_FAILURE() << "no TransportError for " << request.method << " " << request.url;
  return TransportError(TransportErrorKind::kOther, "(none)");
}

// Index of the first header with exactly this name, or -1.
int index_of(const std::vector<std::pair<std::string, std::string>>& headers,
             const std::string& name) {
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (headers[i].first == name) return static_cast<int>(i);
  }
  return -1;
}

int count_named(const std::vector<std::pair<std::string, std::string>>& headers,
                const std::string& lower_name) {
  int n = 0;
  for (const auto& [name, value] : headers) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == lower_name) ++n;
  }
  return n;
}

// A loopback port that nothing listens on: bound, then closed again.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Every test runs without proxy settings (unless it sets its own), whatever the environment
// of the test run holds, and gets them back afterwards.
class CurlTransport : public ::testing::Test {
 protected:
  void SetUp() override { env_.unset_proxies(); }

  testing::ScopedEnvironment env_;
  std::shared_ptr<HttpTransport> http_ = make_curl_transport();
};

TEST_F(CurlTransport, RoundTripsMethodPathHeadersAndBody) {
  LocalHttpServer server([](const ReceivedRequest&) {
    return ScriptedReply{.status = 201,
                         .headers = {{"X-Mixed-Case", "a"},
                                     {"x-amzn-RequestId", "req-1"},
                                     {"X-Dup", "1"},
                                     {"X-Dup", "2"}},
                         .body = std::string("resp\0onse", 9)};
  });
  HttpRequest request;
  request.method = "PUT";
  request.url = server.endpoint() + "/a/b/../c?x=1&y=%2F";
  request.headers = {{"X-Second", "2"}, {"X-First", "1"}, {"X-Empty", ""}};
  request.body = std::string("bin\0ary\r\n\r\nbody", 16);

  const HttpResponse response = http_->send(request, quick());

  ASSERT_EQ(server.requests().size(), 1u);
  const ReceivedRequest got = server.requests()[0];
  EXPECT_EQ(got.method, "PUT");
  EXPECT_EQ(got.target, "/a/b/../c?x=1&y=%2F");  // dot segments kept: SigV4 signed them
  EXPECT_EQ(got.body, request.body);
  EXPECT_EQ(got.header("Content-Length"), "16");
  EXPECT_EQ(got.header("Host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(got.header("Accept-Encoding"), "identity");
  EXPECT_LT(index_of(got.headers, "X-Second"), index_of(got.headers, "X-First"));
  ASSERT_GE(index_of(got.headers, "X-Empty"), 0);
  EXPECT_EQ(got.header("X-Empty"), "");
  // Nothing the caller did not ask for beyond Host, Content-Length and Accept-Encoding.
  EXPECT_EQ(count_named(got.headers, "accept"), 0);
  EXPECT_EQ(count_named(got.headers, "content-type"), 0);
  EXPECT_EQ(count_named(got.headers, "expect"), 0);
  EXPECT_EQ(count_named(got.headers, "user-agent"), 0);
  EXPECT_EQ(got.headers.size(), 6u);

  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, std::string("resp\0onse", 9));
  ASSERT_GE(response.headers.size(), 5u);
  EXPECT_EQ(response.headers[0], (std::pair<std::string, std::string>("X-Mixed-Case", "a")));
  EXPECT_EQ(response.headers[1].first, "x-amzn-RequestId");
  EXPECT_EQ(response.headers[2], (std::pair<std::string, std::string>("X-Dup", "1")));
  EXPECT_EQ(response.headers[3], (std::pair<std::string, std::string>("X-Dup", "2")));
  EXPECT_EQ(response.header("X-AMZN-REQUESTID"), "req-1");
  EXPECT_EQ(response.header("x-dup"), "1");
  EXPECT_EQ(response.header("Content-Length"), "9");
  EXPECT_FALSE(response.header("X-Absent").has_value());
}

TEST_F(CurlTransport, GetHasNoBodyAndAnEmptyPutSendsContentLengthZero) {
  LocalHttpServer server(testing::reply_in_order({ScriptedReply{.body = "token"}}));
  const HttpResponse get = http_->send({.method = "GET", .url = server.endpoint() + "/g"}, quick());
  const HttpRequest token_request{
      .method = "PUT",
      .url = server.endpoint() + "/latest/api/token",
      .headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "60"}}};
  const HttpResponse put = http_->send(token_request, quick());
  EXPECT_EQ(get.body, "token");
  EXPECT_EQ(put.body, "token");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(count_named(requests[0].headers, "content-length"), 0);
  EXPECT_EQ(requests[1].method, "PUT");
  EXPECT_EQ(requests[1].header("Content-Length"), "0");
  EXPECT_EQ(requests[1].header("X-aws-ec2-metadata-token-ttl-seconds"), "60");
  EXPECT_EQ(count_named(requests[1].headers, "content-type"), 0);
}

TEST_F(CurlTransport, KeepsTheCallersOwnAcceptEncodingContentTypeAndAccept) {
  LocalHttpServer server(testing::reply_in_order({ScriptedReply{.body = "{}"}}));
  (void)http_->send({.url = server.endpoint() + "/",
                     .headers = {{"Content-Type", "application/x-amz-json-1.0"},
                                 {"Accept-Encoding", "gzip"},
                                 {"Accept", "application/json"}},
                     .body = "{}"},
                    quick());
  const auto got = server.requests().at(0);
  EXPECT_EQ(got.method, "POST");
  EXPECT_EQ(got.header("Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(got.header("Accept-Encoding"), "gzip");
  EXPECT_EQ(got.header("Accept"), "application/json");
  EXPECT_EQ(count_named(got.headers, "content-type"), 1);
  EXPECT_EQ(count_named(got.headers, "accept-encoding"), 1);
  EXPECT_EQ(count_named(got.headers, "accept"), 1);
}

TEST_F(CurlTransport, ReusesOneConnectionForSequentialRequests) {
  LocalHttpServer server(testing::reply_in_order({ScriptedReply{.body = "ok"}}));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(http_->send({.url = server.endpoint() + "/", .body = "{}"}, quick()).body, "ok");
  }
  EXPECT_EQ(server.requests().size(), 20u);
  EXPECT_EQ(server.connections_accepted(), 1);
}

TEST_F(CurlTransport, SharesConnectionsBetweenThreads) {
  LocalHttpServer server(testing::reply_in_order({ScriptedReply{.body = "ok"}}));
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  auto run_wave = [&] {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < kPerThread; ++i) {
          try {
            if (http_->send({.url = server.endpoint() + "/", .body = "{}"}, quick()).body != "ok") {
              ++failures;
            }
          } catch (const TransportError&) {
            ++failures;
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
  };
  run_wave();
  // A second wave on new threads finds the first wave's connections in the pool.
  run_wave();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(server.requests().size(), static_cast<std::size_t>(2 * kThreads * kPerThread));
  EXPECT_LE(server.connections_accepted(), kThreads);
}

TEST_F(CurlTransport, OpensANewConnectionAfterTheServerClosesOne) {
  LocalHttpServer server(testing::reply_in_order(
      {ScriptedReply{.body = "first", .close = true}, ScriptedReply{.body = "next"}}));
  EXPECT_EQ(http_->send({.method = "GET", .url = server.endpoint() + "/"}, quick()).body, "first");
  EXPECT_EQ(http_->send({.method = "GET", .url = server.endpoint() + "/"}, quick()).body, "next");
  EXPECT_EQ(http_->send({.method = "GET", .url = server.endpoint() + "/"}, quick()).body, "next");
  EXPECT_EQ(server.connections_accepted(), 2);
}

TEST_F(CurlTransport, RefusedConnectionIsConnectFailed) {
  const int port = closed_port();
  const TransportError e = send_expecting_error(
      *http_, {.url = "http://127.0.0.1:" + std::to_string(port) + "/secret-path?token=t0ken"});
  EXPECT_EQ(e.kind(), TransportErrorKind::kConnectFailed) << e.what();
  const std::string message = e.what();
  EXPECT_NE(message.find("http://127.0.0.1:" + std::to_string(port)), std::string::npos) << message;
  EXPECT_EQ(message.find("secret-path"), std::string::npos) << message;
  EXPECT_EQ(message.find("t0ken"), std::string::npos) << message;
}

TEST_F(CurlTransport, SlowAnswerIsTimeout) {
  const auto start = Clock::now();
  {
    LocalHttpServer server(testing::reply_in_order({ScriptedReply{.body = "late", .delay = 5s}}));
    HttpOptions options = quick();
    options.request_timeout = 200ms;
    const TransportError e =
        send_expecting_error(*http_, {.method = "GET", .url = server.endpoint() + "/"}, options);
    EXPECT_EQ(e.kind(), TransportErrorKind::kTimeout) << e.what();
    EXPECT_EQ(server.requests().size(), 1u);
  }
  // Neither the request nor the server's shutdown waited for the 5 s delay.
  EXPECT_LT(Clock::now() - start, 3s);
}

TEST_F(CurlTransport, ConnectTimeoutIsTimeout) {
  // A listener whose accept queue is full, and that never accepts: Linux drops further SYNs,
  // so the next connect hangs until the client gives up.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 0), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ASSERT_GE(fd, 0);
    (void)::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    fillers.push_back(fd);
  }
  HttpOptions options;
  options.connect_timeout = 300ms;
  options.request_timeout = 10s;
  const auto start = Clock::now();
  const TransportError e = send_expecting_error(
      *http_, {.method = "GET", .url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port))},
      options);
  const auto elapsed = Clock::now() - start;
  for (int fd : fillers) ::close(fd);
  ::close(listener);
  EXPECT_EQ(e.kind(), TransportErrorKind::kTimeout) << e.what();
  EXPECT_LT(elapsed, 5s);  // the connect timeout, not the request timeout, ended it
}

TEST_F(CurlTransport, DropBeforeAnswerIsConnectionReset) {
  LocalHttpServer server(testing::reply_in_order({ScriptedReply{.drop = true}}));
  const TransportError e =
      send_expecting_error(*http_, {.url = server.endpoint() + "/", .body = "{}"});
  EXPECT_EQ(e.kind(), TransportErrorKind::kConnectionReset) << e.what();
  EXPECT_GE(server.requests().size(), 1u);
}

TEST_F(CurlTransport, TruncatedBodyIsConnectionReset) {
  LocalHttpServer server(testing::reply_in_order(
      {ScriptedReply{.body = R"({"SecretAccessKey":"very-secret-key"})", .truncate = true}}));
  const TransportError e = send_expecting_error(
      *http_, {.url = server.endpoint() + "/",
               .headers = {{"Authorization", "AWS4-HMAC-SHA256 Signature=sekrit-signature"}},
               .body = "sekrit-body"});
  EXPECT_EQ(e.kind(), TransportErrorKind::kConnectionReset) << e.what();
  const std::string message = e.what();
  EXPECT_NE(message.find(server.endpoint()), std::string::npos) << message;
  for (const char* secret : {"very-secret", "sekrit", "SecretAccessKey"}) {
    EXPECT_EQ(message.find(secret), std::string::npos) << message;
  }
}

TEST_F(CurlTransport, ResponseBodyOverTheLimitIsAnError) {
  const std::string big(1000, 'x');
  // The same 1000 bytes, announced by Content-Length and then chunked without any length.
  const std::string chunked = "3e8\r\n" + big + "\r\n0\r\n\r\n";
  LocalHttpServer server(testing::reply_in_order(
      {ScriptedReply{.body = big},
       ScriptedReply{.headers = {{"Transfer-Encoding", "chunked"}}, .body = chunked},
       ScriptedReply{.body = std::string(100, 'y')}}));
  HttpOptions options = quick();
  options.max_response_bytes = 100;
  for (int i = 0; i < 2; ++i) {
    const TransportError e =
        send_expecting_error(*http_, {.method = "GET", .url = server.endpoint() + "/"}, options);
    EXPECT_EQ(e.kind(), TransportErrorKind::kOther) << e.what();
    EXPECT_NE(std::string(e.what()).find("larger than 100 bytes"), std::string::npos) << e.what();
  }
  EXPECT_EQ(http_->send({.method = "GET", .url = server.endpoint() + "/"}, options).body.size(),
            100u);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST_F(CurlTransport, ReturnsRedirectsWithoutFollowingThem) {
  LocalHttpServer server(testing::reply_in_order(
      {ScriptedReply{.status = 307, .headers = {{"Location", "/elsewhere"}}, .body = "moved"}}));
  const HttpResponse response =
      http_->send({.url = server.endpoint() + "/here", .body = "{}"}, quick());
  EXPECT_EQ(response.status, 307);
  EXPECT_EQ(response.header("Location"), "/elsewhere");
  EXPECT_EQ(response.body, "moved");
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, "/here");
}

TEST_F(CurlTransport, InterimResponsesDoNotLeakIntoTheFinalHeaders) {
  LocalHttpServer server(testing::reply_in_order({ScriptedReply{
      .status = 200,
      .headers = {{"X-Final", "yes"}},
      .body = "done",
      .interim = {{.status = 100, .headers = {}},
                  {.status = 103, .headers = {{"Link", "</style.css>; rel=preload"}}}}}}));
  const HttpResponse response =
      http_->send({.url = server.endpoint() + "/", .body = "{}"}, quick());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "done");
  EXPECT_FALSE(response.header("Link").has_value());
  EXPECT_EQ(response.header("X-Final"), "yes");
  ASSERT_EQ(response.headers.size(), 2u);  // X-Final and Content-Length
  for (const auto& [name, value] : response.headers) {
    EXPECT_EQ(name.find("HTTP/"), std::string::npos) << name;
  }
}

TEST_F(CurlTransport, LargePostSendsNoExpectContinue) {
  LocalHttpServer server(testing::reply_in_order({ScriptedReply{.body = "ok"}}));
  const std::string body(3 << 20, 'b');
  const auto start = Clock::now();
  (void)http_->send({.url = server.endpoint() + "/", .body = body}, quick());
  // Asked for explicitly, it is dropped all the same.
  (void)http_->send({.url = server.endpoint() + "/",
                     .headers = {{"Expect", "100-continue"}},
                     .body = body},
                    quick());
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& got : requests) {
    EXPECT_EQ(count_named(got.headers, "expect"), 0);
    EXPECT_EQ(got.body.size(), body.size());
    EXPECT_EQ(got.header("Content-Length"), std::to_string(body.size()));
  }
  EXPECT_LT(Clock::now() - start, 3s);
}

// The proxy tests name a host that does not exist. all_proxy points at a trap on loopback, so
// if the variable under test were ignored the request would land there (and fail the test)
// rather than go looking for the host beyond this machine.
TEST_F(CurlTransport, HonoursTheHttpProxyEnvironmentVariable) {
  LocalHttpServer proxy(testing::reply_in_order({ScriptedReply{.body = "via proxy"}}));
  LocalHttpServer trap(testing::reply_in_order({ScriptedReply{.body = "trap"}}));
  env_.set("HTTP_PROXY", proxy.endpoint());
  env_.set("all_proxy", trap.endpoint());
  const HttpResponse response =
      http_->send({.method = "GET", .url = "http://service.example.invalid/path?q=1"}, quick());
  EXPECT_EQ(response.body, "via proxy");
  ASSERT_EQ(proxy.requests().size(), 1u);
  EXPECT_EQ(proxy.requests()[0].target, "http://service.example.invalid/path?q=1");
  EXPECT_EQ(proxy.requests()[0].header("Host"), "service.example.invalid");
  EXPECT_EQ(proxy.connections_accepted(), 1);
  EXPECT_EQ(trap.connections_accepted(), 0);
}

TEST_F(CurlTransport, TunnelsHttpsThroughTheHttpsProxyEnvironmentVariable) {
  // This proxy refuses the tunnel; what matters is that it was asked, for the right host.
  LocalHttpServer proxy(testing::reply_in_order({ScriptedReply{.status = 403}}));
  LocalHttpServer trap(testing::reply_in_order({ScriptedReply{.body = "trap"}}));
  env_.set("HTTPS_PROXY", proxy.endpoint());
  env_.set("all_proxy", trap.endpoint());
  const TransportError e = send_expecting_error(
      *http_, {.method = "GET", .url = "https://service.example.invalid/path"});
  EXPECT_EQ(e.kind(), TransportErrorKind::kConnectFailed) << e.what();
  ASSERT_EQ(proxy.requests().size(), 1u);
  EXPECT_EQ(proxy.requests()[0].method, "CONNECT");
  EXPECT_EQ(proxy.requests()[0].target, "service.example.invalid:443");
  EXPECT_EQ(trap.connections_accepted(), 0);
}

TEST_F(CurlTransport, LowerCaseHttpProxyWinsOverUpperCase) {
  LocalHttpServer lower(testing::reply_in_order({ScriptedReply{.body = "lower"}}));
  LocalHttpServer upper(testing::reply_in_order({ScriptedReply{.body = "upper"}}));
  LocalHttpServer trap(testing::reply_in_order({ScriptedReply{.body = "trap"}}));
  env_.set("http_proxy", lower.endpoint());
  env_.set("HTTP_PROXY", upper.endpoint());
  env_.set("all_proxy", trap.endpoint());
  EXPECT_EQ(http_->send({.method = "GET", .url = "http://service.example.invalid/"}, quick()).body,
            "lower");
  EXPECT_EQ(upper.requests().size(), 0u);
  EXPECT_EQ(trap.requests().size(), 0u);
}

TEST_F(CurlTransport, IgnoresUpperCaseHttpProxyInCgiPrograms) {
  // In a CGI program HTTP_PROXY can come from a request's "Proxy:" header (httpoxy).
  LocalHttpServer proxy(testing::reply_in_order({ScriptedReply{.body = "via proxy"}}));
  LocalHttpServer direct(testing::reply_in_order({ScriptedReply{.body = "direct"}}));
  env_.set("HTTP_PROXY", proxy.endpoint());
  env_.set("REQUEST_METHOD", "GET");
  EXPECT_EQ(http_->send({.method = "GET", .url = direct.endpoint() + "/"}, quick()).body, "direct");
  EXPECT_EQ(proxy.requests().size(), 0u);
}

TEST_F(CurlTransport, NoProxyBypassesTheProxy) {
  LocalHttpServer proxy(testing::reply_in_order({ScriptedReply{.body = "via proxy"}}));
  LocalHttpServer direct(testing::reply_in_order({ScriptedReply{.body = "direct"}}));
  env_.set("HTTP_PROXY", proxy.endpoint());
  env_.set("NO_PROXY", "127.0.0.1");
  const HttpResponse response =
      http_->send({.method = "GET", .url = direct.endpoint() + "/x"}, quick());
  EXPECT_EQ(response.body, "direct");
  EXPECT_EQ(direct.requests().at(0).target, "/x");
  EXPECT_EQ(proxy.requests().size(), 0u);
}

TEST_F(CurlTransport, HttpsToAPlainHttpServerFailsWithoutHanging) {
  LocalHttpServer server(testing::reply_in_order({ScriptedReply{.body = "plain"}}));
  HttpOptions options = quick();
  options.request_timeout = 10s;
  const auto start = Clock::now();
  const TransportError e = send_expecting_error(
      *http_, {.method = "GET", .url = "https://127.0.0.1:" + std::to_string(server.port()) + "/"},
      options);
  EXPECT_EQ(e.kind(), TransportErrorKind::kTls) << e.what();
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_EQ(server.requests().size(), 0u);  // the ClientHello never parsed as a request
}

TEST_F(CurlTransport, RefusesHeadersThatWouldSplitTheRequest) {
  LocalHttpServer server(testing::reply_in_order({ScriptedReply{.body = "ok"}}));
  for (const auto& header : std::vector<std::pair<std::string, std::string>>{
           {"X-Evil", "a\r\nX-Injected: 1"}, {"X-Evil\r\nX-Injected", "1"}, {"Bad Name", "x"}}) {
    const TransportError e = send_expecting_error(
        *http_, {.url = server.endpoint() + "/", .headers = {header}, .body = "{}"});
    EXPECT_EQ(e.kind(), TransportErrorKind::kOther) << e.what();
  }
  EXPECT_EQ(server.connections_accepted(), 0);
}

TEST_F(CurlTransport, RefusesAContentLengthThatDisagreesWithTheBody) {
  LocalHttpServer server(testing::reply_in_order({ScriptedReply{.body = "ok"}}));
  const TransportError e = send_expecting_error(
      *http_, {.url = server.endpoint() + "/", .headers = {{"Content-Length", "1"}}, .body = "{}"});
  EXPECT_EQ(e.kind(), TransportErrorKind::kOther) << e.what();
  EXPECT_EQ(server.connections_accepted(), 0);
  // The right one passes, and is sent once.
  (void)http_->send(
      {.url = server.endpoint() + "/", .headers = {{"Content-Length", "2"}}, .body = "{}"},
      quick());
  EXPECT_EQ(count_named(server.requests().at(0).headers, "content-length"), 1);
}

TEST_F(CurlTransport, RefusesSchemesOtherThanHttpAndHttps) {
  for (const char* url : {"file:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1/"}) {
    const TransportError e = send_expecting_error(*http_, {.method = "GET", .url = url});
    EXPECT_EQ(e.kind(), TransportErrorKind::kOther) << url << ": " << e.what();
  }
}

TEST_F(CurlTransport, DefaultTransportIsOneSharedInstance) {
  LocalHttpServer server(testing::reply_in_order({ScriptedReply{.body = "ok"}}));
  const auto a = default_transport();
  const auto b = default_transport();
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(a->send({.method = "GET", .url = server.endpoint() + "/"}, quick()).body, "ok");
  EXPECT_EQ(b->send({.method = "GET", .url = server.endpoint() + "/"}, quick()).body, "ok");
  EXPECT_EQ(server.connections_accepted(), 1);
}

// ---- TLS ---------------------------------------------------------------------------------

template <auto Free>
struct FreeWith {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using Pkey = std::unique_ptr<EVP_PKEY, FreeWith<&EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, FreeWith<&X509_free>>;
using SslCtx = std::unique_ptr<SSL_CTX, FreeWith<&SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, FreeWith<&SSL_free>>;

// An HTTPS server on 127.0.0.1 with a fresh self-signed certificate (CN "ddbcrypt test", no
// subject alternative names): no trust store accepts it, and its name does not match the
// host either. A thread per connection answers every request with 200 "ok", keeping the
// connection alive.
class SelfSignedTlsServer {
 public:
  SelfSignedTlsServer() {
    key_.reset(EVP_EC_gen("P-256"));
    if (!key_) throw std::runtime_error("EVP_EC_gen failed");
    cert_.reset(X509_new());
    X509_set_version(cert_.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert_.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert_.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert_.get()), 3600);
    X509_set_pubkey(cert_.get(), key_.get());
    X509_NAME* name = X509_get_subject_name(cert_.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("ddbcrypt test"), -1, -1, 0);
    X509_set_issuer_name(cert_.get(), name);
    if (X509_sign(cert_.get(), key_.get(), EVP_sha256()) == 0) {
      throw std::runtime_error("X509_sign failed");
    }
    ctx_.reset(SSL_CTX_new(TLS_server_method()));
    if (!ctx_ || SSL_CTX_use_certificate(ctx_.get(), cert_.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx_.get(), key_.get()) != 1) {
      throw std::runtime_error("cannot set up the TLS server context");
    }

    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        ::pipe(wake_) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~SelfSignedTlsServer() {
    const char byte = 0;
    (void)!::write(wake_[1], &byte, 1);
    acceptor_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mutex_);
      for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
      workers.swap(workers_);
    }
    for (auto& worker : workers) worker.join();
    ::close(listener_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/"; }
  int handshakes() const { return handshakes_.load(); }
  int requests() const { return requests_.load(); }

 private:
  void accept_loop() {
    for (;;) {
      pollfd fds[2] = {{listener_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 || fds[1].revents != 0) return;
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard lock(mutex_);
      open_.push_back(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  // Answers requests (GETs, no bodies) with 200 "ok", keeping the connection alive.
  void serve(int fd) {
    // OpenSSL writes alerts with plain write(); a peer that has gone must give EPIPE, not kill
    // the test binary. SIGPIPE from a write goes to the writing thread, so block it here.
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    SslPtr ssl(SSL_new(ctx_.get()));
    SSL_set_fd(ssl.get(), fd);
    if (SSL_accept(ssl.get()) == 1) {
      ++handshakes_;
      std::string pending;
      char buffer[4096];
      for (;;) {
        const auto end = pending.find("\r\n\r\n");
        if (end == std::string::npos) {
          const int n = SSL_read(ssl.get(), buffer, sizeof buffer);
          if (n <= 0) break;
          pending.append(buffer, static_cast<std::size_t>(n));
          continue;
        }
        pending.erase(0, end + 4);
        ++requests_;
        const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        if (SSL_write(ssl.get(), reply.data(), static_cast<int>(reply.size())) <= 0) break;
      }
    }
    ssl.reset();
    std::lock_guard lock(mutex_);
    open_.erase(std::find(open_.begin(), open_.end(), fd));
    ::close(fd);
  }

  Pkey key_;
  X509Ptr cert_;
  SslCtx ctx_;
  int listener_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<int> handshakes_{0};
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  std::vector<int> open_;              // guarded by mutex_
  std::vector<std::thread> workers_;  // guarded by mutex_
  std::thread acceptor_;
};

TEST_F(CurlTransport, VerifiesTlsCertificatesByDefault) {
  SelfSignedTlsServer server;
  EXPECT_TRUE(HttpOptions{}.verify_tls);
  const TransportError e = send_expecting_error(*http_, {.method = "GET", .url = server.url()},
                                                HttpOptions{});
  EXPECT_EQ(e.kind(), TransportErrorKind::kTls) << e.what();
  EXPECT_NE(std::string(e.what()).find("https://127.0.0.1:"), std::string::npos) << e.what();
  EXPECT_EQ(server.handshakes(), 0);
}

TEST_F(CurlTransport, VerifyTlsOffAcceptsAnyCertificateAndName) {
  SelfSignedTlsServer server;
  HttpOptions options = quick();
  options.verify_tls = false;
  const HttpResponse response = http_->send({.method = "GET", .url = server.url()}, options);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok");
  EXPECT_EQ(http_->send({.method = "GET", .url = server.url()}, options).body, "ok");
  EXPECT_EQ(server.handshakes(), 1);  // kept alive
  EXPECT_EQ(server.requests(), 2);
}

TEST_F(CurlTransport, NeverReusesAnUnverifiedConnectionForAVerifiedRequest) {
  SelfSignedTlsServer server;
  HttpOptions unverified = quick();
  unverified.verify_tls = false;
  EXPECT_EQ(http_->send({.method = "GET", .url = server.url()}, unverified).body, "ok");
  // The pooled connection to the same host is still open, but it was never verified.
  const TransportError e =
      send_expecting_error(*http_, {.method = "GET", .url = server.url()}, quick());
  EXPECT_EQ(e.kind(), TransportErrorKind::kTls) << e.what();
  EXPECT_EQ(server.requests(), 1);
  // And the verified failure does not spoil the unverified connection for later.
  EXPECT_EQ(http_->send({.method = "GET", .url = server.url()}, unverified).body, "ok");
}

}  // namespace
}  // namespace ddbcrypt::aws
