#include "testing/standins.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <utility>

#include <simdjson.h>

namespace ddbcrypt::testing {
namespace {

constexpr const char* kDynamoDbVar = "DDBCRYPT_TEST_DYNAMODB_ENDPOINT";
constexpr const char* kFaultyDynamoDbVar = "DDBCRYPT_TEST_FAULTY_DYNAMODB_ENDPOINT";
constexpr const char* kKmsVar = "DDBCRYPT_TEST_KMS_ENDPOINT";
constexpr const char* kStsVar = "DDBCRYPT_TEST_STS_ENDPOINT";

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// Closes the socket on every exit path.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::uint16_t loopback_port(std::string_view endpoint) {
  // Only the stand-ins' own form is accepted: tests must never reach beyond this machine.
  constexpr std::string_view kPrefix = "http://127.0.0.1:";
  if (endpoint.substr(0, kPrefix.size()) != kPrefix) {
    throw std::runtime_error("not a loopback stand-in endpoint: " + std::string(endpoint));
  }
  std::string_view port_text = endpoint.substr(kPrefix.size());
  if (!port_text.empty() && port_text.back() == '/') port_text.remove_suffix(1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    throw std::runtime_error("bad port in endpoint: " + std::string(endpoint));
  }
  return static_cast<std::uint16_t>(port);
}

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& text) {
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc) != simdjson::SUCCESS) {
    throw std::runtime_error("fault proxy sent invalid JSON: " + text);
  }
  return doc;
}

HttpReply checked(HttpReply reply, std::string_view what) {
  if (reply.status != 200) {
    throw std::runtime_error("fault proxy refused " + std::string(what) + " (HTTP " +
                             std::to_string(reply.status) + "): " + reply.body);
  }
  return reply;
}

}  // namespace

std::optional<std::string> dynamodb_endpoint() { return env(kDynamoDbVar); }
std::optional<std::string> faulty_dynamodb_endpoint() { return env(kFaultyDynamoDbVar); }
std::optional<std::string> kms_endpoint() { return env(kKmsVar); }
std::optional<std::string> sts_endpoint() { return env(kStsVar); }

bool standins_required() {
  const auto value = env("DDBCRYPT_REQUIRE_STANDINS");
  return value && *value == "1";
}

std::string missing_standins() {
  std::string missing;
  for (const char* name : {kDynamoDbVar, kFaultyDynamoDbVar, kKmsVar, kStsVar}) {
    if (env(name)) continue;
    if (!missing.empty()) missing += ", ";
    missing += name;
  }
  if (missing.empty()) return missing;
  return "local AWS stand-ins are not running (" + missing +
         " unset); run the tests under `python3 tests/standins/standins.py run -- CMD` "
         "(scripts/test.sh does)";
}

std::string unique_name(std::string_view prefix) {
  static std::atomic<unsigned> counter{0};
  static const unsigned long salt = std::random_device{}();
  return std::string(prefix) + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter.fetch_add(1)) + "-" + std::to_string(salt % 100000);
}

HttpReply http_exchange(std::string_view endpoint, std::string_view method, std::string_view path,
                        std::string_view body) {
  const std::uint16_t port = loopback_port(endpoint);
  Socket sock(::socket(AF_INET, SOCK_STREAM, 0));
  if (sock.fd() < 0) throw std::runtime_error(errno_text("socket"));
  timeval timeout{.tv_sec = 30, .tv_usec = 0};
  ::setsockopt(sock.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(sock.fd(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(sock.fd(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error(errno_text("connect to stand-in"));
  }
  std::string request = std::string(method) + " " + std::string(path) +
                        " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                        "Content-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(sock.fd(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error(errno_text("send to stand-in"));
    sent += static_cast<std::size_t>(n);
  }
  std::string response;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(sock.fd(), buffer, sizeof buffer, 0);
    if (n == 0) break;
    if (n < 0) throw std::runtime_error(errno_text("recv from stand-in"));
    response.append(buffer, static_cast<std::size_t>(n));
  }
  // "HTTP/1.1 200 OK\r\n...headers...\r\n\r\nbody" (the proxy closes after a
  // Connection: close request, so the body runs to the end of the stream).
  const std::size_t header_end = response.find("\r\n\r\n");
  const std::size_t space = response.find(' ');
  if (header_end == std::string::npos || space == std::string::npos || space > header_end) {
    throw std::runtime_error("malformed HTTP response from stand-in");
  }
  HttpReply reply;
  const char* status_begin = response.data() + space + 1;
  std::from_chars(status_begin, status_begin + 3, reply.status);
  reply.body = response.substr(header_end + 4);
  return reply;
}

FaultProxy FaultProxy::from_env() {
  auto endpoint = faulty_dynamodb_endpoint();
  if (!endpoint) {
    throw std::runtime_error(std::string(kFaultyDynamoDbVar) +
                             " is unset; call DDBCRYPT_REQUIRE_STANDINS() first");
  }
  return FaultProxy(std::move(*endpoint));
}

int FaultProxy::add_rule(std::string_view rule_json) {
  const HttpReply reply =
      checked(http_exchange(endpoint_, "POST", "/__faults/rules", rule_json), "a rule");
  simdjson::dom::parser parser;
  int64_t id = 0;
  if (parse(parser, reply.body)["ids"].at(0).get(id) != simdjson::SUCCESS) {
    throw std::runtime_error("fault proxy returned no rule id: " + reply.body);
  }
  return static_cast<int>(id);
}

void FaultProxy::remove_rule(int id) {
  checked(http_exchange(endpoint_, "DELETE", "/__faults/rules/" + std::to_string(id)),
          "removing a rule");
}

int FaultProxy::fired(int id) const {
  const HttpReply reply = checked(http_exchange(endpoint_, "GET", "/__faults/rules"), "rules");
  simdjson::dom::parser parser;
  simdjson::dom::array rules;
  if (parse(parser, reply.body)["rules"].get(rules) != simdjson::SUCCESS) {
    throw std::runtime_error("fault proxy returned no rules: " + reply.body);
  }
  for (simdjson::dom::element rule : rules) {
    int64_t rule_id = 0;
    int64_t fired = 0;
    if (rule["id"].get(rule_id) == simdjson::SUCCESS && rule_id == id &&
        rule["fired"].get(fired) == simdjson::SUCCESS) {
      return static_cast<int>(fired);
    }
  }
  throw std::runtime_error("fault proxy has no rule " + std::to_string(id));
}

std::string FaultProxy::stats_json() const {
  return checked(http_exchange(endpoint_, "GET", "/__faults/stats"), "stats").body;
}

}  // namespace ddbcrypt::testing
