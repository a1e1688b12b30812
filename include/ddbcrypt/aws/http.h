// HttpTransport: the seam between ddbcrypt's AWS clients and the network.
//
// The default transport uses libcurl with a shared connection pool (keep-alive across requests
// and threads), connect and request timeouts, TLS verification on by default and the usual
// proxy environment variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). Tests substitute a
// scripted transport or point the real one at local servers.
//
//   auto http = aws::default_transport();
//   aws::HttpResponse r = http->send({.method = "GET", .url = "http://127.0.0.1:8000/"},
//                                    aws::HttpOptions{.request_timeout = std::chrono::seconds(3)});
//   if (auto id = r.header("x-amzn-RequestId")) ...
//
// Thread-safety: transports are shared between threads; `send` may be called concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ddbcrypt::aws {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "POST";
  std::string url;       // absolute: scheme://host[:port]/path[?query]
  HttpHeaders headers;   // sent in this order; Host and Content-Length are added if absent
  std::string body;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;   // names as received
  std::string body;

  // Case-insensitive lookup of the first header with this name.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct HttpOptions {
  // Until the TCP connection (and the TLS handshake) is up; kTimeout when it runs out.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(2)};
  // The whole exchange, connecting included; kTimeout when it runs out.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  // Off turns off both the certificate chain and the host name checks: for test rigs only.
  bool verify_tls = true;
  // A longer response body is a TransportError (kOther), so a misbehaving endpoint cannot
  // exhaust memory. The largest AWS JSON responses (BatchGetItem: 16 MB) fit.
  std::size_t max_response_bytes = std::size_t{64} << 20;
};

// How a request failed before an HTTP response arrived.
enum class TransportErrorKind : std::uint8_t {
  kConnectFailed = 1,   // refused, unreachable, DNS failure
  kTimeout = 2,         // connect or request timeout
  kConnectionReset = 3, // dropped mid-request or mid-response
  kTls = 4,             // handshake or certificate verification failed
  kOther = 5,
};

// Thrown by HttpTransport::send when no HTTP response was received. Internal to the aws
// layer: clients turn it into KmsError / DynamoDbError after retries.
class TransportError : public std::runtime_error {
 public:
  TransportError(TransportErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  TransportErrorKind kind() const noexcept { return kind_; }

 private:
  TransportErrorKind kind_;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends one request and returns the response, whatever its status. Throws TransportError.
  [[nodiscard]] virtual HttpResponse send(const HttpRequest& request,
                                          const HttpOptions& options) const = 0;
};

// The libcurl transport (process-wide curl_global_init behind std::call_once). What it does
// on the wire, beyond sending `request` as given:
//   * HTTP/1.1 over http:// or https:// only; other schemes are kOther. Connections are kept
//     alive and reused by later requests, from any thread, to the same host.
//   * Host is added when absent, Content-Length whenever there is a body or the method is not
//     GET or HEAD, and `Accept-Encoding: identity` unless the request has its own
//     Accept-Encoding (the body is returned as received, never decoded). Nothing else: no
//     Accept, Content-Type, User-Agent or `Expect: 100-continue` (an Expect: 100-continue in
//     the request is dropped). A header with an empty value is sent empty.
//   * Redirects are returned, not followed.
//   * Proxies come from the environment, as curl reads them: http_proxy (and HTTP_PROXY when
//     http_proxy is unset, except in a CGI process, where REQUEST_METHOD is set and HTTP_PROXY
//     may come from a request header), https_proxy / HTTPS_PROXY, all_proxy / ALL_PROXY, and
//     no_proxy / NO_PROXY for hosts that bypass them.
//   * Response headers are those of the final response only, in order, names as received.
// TransportError messages name the scheme, host and port and what failed, never the path,
// query, headers or bodies (which can hold credentials). A header name or value containing
// CR or LF, or a request URL that curl cannot parse, is kOther and nothing is sent.
[[nodiscard]] std::shared_ptr<HttpTransport> make_curl_transport();
// A process-wide shared curl transport, made on first use.
[[nodiscard]] std::shared_ptr<HttpTransport> default_transport();

}  // namespace ddbcrypt::aws
