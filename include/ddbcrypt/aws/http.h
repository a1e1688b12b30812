// HttpTransport: the seam between ddbcrypt's AWS clients and the network.
//
// The default transport uses libcurl with a shared connection pool (keep-alive across requests
// and threads), connect and request timeouts, TLS verification on by default and the usual
// proxy environment variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). Tests substitute a
// scripted transport or point the real one at local servers.
//
// Thread-safety: transports are shared between threads; `send` may be called concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <cstdint>
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
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(2)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  bool verify_tls = true;
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

// The libcurl transport (process-wide curl_global_init behind std::call_once).
[[nodiscard]] std::shared_ptr<HttpTransport> make_curl_transport();
// A process-wide shared curl transport.
[[nodiscard]] std::shared_ptr<HttpTransport> default_transport();

}  // namespace ddbcrypt::aws
