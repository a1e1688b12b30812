// Access to the local AWS stand-ins from tests: DynamoDB Local, moto server (KMS, STS) and the
// fault-injecting proxy in front of DynamoDB Local. tests/standins/standins.py starts them once
// per test run and passes their endpoints in the environment:
//
//   python3 tests/standins/standins.py run -- ctest --test-dir build -L standins
//
// A test that needs them starts with DDBCRYPT_REQUIRE_STANDINS(): without the endpoints the
// test is skipped, unless DDBCRYPT_REQUIRE_STANDINS=1 is set (CI sets it), in which case it
// fails, so integration tests cannot pass silently by not running.
//
// Example:
//   TEST(EncryptedClient, RetriesUnprocessedItems) {
//     DDBCRYPT_REQUIRE_STANDINS();
//     auto proxy = testing::FaultProxy::from_env();
//     const std::string table = testing::unique_name("batch");
//     proxy.add_rule(R"({"operation":"BatchWriteItem","table":")" + table +
//                    R"(","fault":"trim","keep":3})");
//     ... client configured with *testing::faulty_dynamodb_endpoint() ...
//   }
//
// Thread-safety: the free functions only read the environment; a FaultProxy is a handle that
// can be used from one thread at a time (the proxy itself serves many).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <gtest/gtest.h>

namespace ddbcrypt::testing {

// Endpoints ("http://127.0.0.1:<port>"), or nullopt when the variable is unset or empty.
std::optional<std::string> dynamodb_endpoint();         // DDBCRYPT_TEST_DYNAMODB_ENDPOINT
std::optional<std::string> faulty_dynamodb_endpoint();  // DDBCRYPT_TEST_FAULTY_DYNAMODB_ENDPOINT
std::optional<std::string> kms_endpoint();              // DDBCRYPT_TEST_KMS_ENDPOINT
std::optional<std::string> sts_endpoint();              // DDBCRYPT_TEST_STS_ENDPOINT

// True when DDBCRYPT_REQUIRE_STANDINS=1: a missing stand-in is then a failure, not a skip.
bool standins_required();

// Empty when every stand-in endpoint is set; otherwise a message naming the missing variables
// and how to start the stand-ins.
std::string missing_standins();

// A DynamoDB table name unique to this process and call ("<prefix>-<pid>-<n>-<random>"), so
// tests sharing one DynamoDB Local (and one fault proxy) never see each other's tables.
std::string unique_name(std::string_view prefix);

// One HTTP exchange with a loopback server; used for the proxy's control API.
struct HttpReply {
  int status = 0;
  std::string body;
};
// Sends `method path` with `body` (JSON) to an http://127.0.0.1:<port> endpoint and returns the
// reply. Throws std::runtime_error when the endpoint is not a loopback http URL or the exchange
// fails.
HttpReply http_exchange(std::string_view endpoint, std::string_view method, std::string_view path,
                        std::string_view body = {});

// Handle on tests/standins/faultproxy.py's control API. Rules are JSON objects as documented at
// the top of faultproxy.py, e.g. {"operation":"PutItem","table":"t","fault":"throttling",
// "times":2}. Scope rules to a table of the test's own (unique_name) so concurrent tests do not
// consume each other's faults. Every method throws std::runtime_error if the proxy rejects the
// request.
class FaultProxy {
 public:
  explicit FaultProxy(std::string endpoint) : endpoint_(std::move(endpoint)) {}
  // The proxy named by DDBCRYPT_TEST_FAULTY_DYNAMODB_ENDPOINT; throws std::runtime_error when
  // unset (call DDBCRYPT_REQUIRE_STANDINS() first).
  static FaultProxy from_env();

  const std::string& endpoint() const { return endpoint_; }
  // Adds one rule and returns its id.
  int add_rule(std::string_view rule_json);
  void remove_rule(int id);
  // How many requests the rule has altered so far.
  int fired(int id) const;
  // The proxy's statistics as JSON text: {"requests": n, "by_operation": {...},
  // "injected": {...}}.
  std::string stats_json() const;

 private:
  std::string endpoint_;
};

}  // namespace ddbcrypt::testing

// Skips the current test (or fails it when DDBCRYPT_REQUIRE_STANDINS=1) unless the stand-ins'
// endpoints are in the environment. Use at the top of a TEST body or a fixture's SetUp().
#define DDBCRYPT_REQUIRE_STANDINS()                                                  \
  do {                                                                               \
    if (const std::string ddbcrypt_missing_ = ::ddbcrypt::testing::missing_standins(); \
        !ddbcrypt_missing_.empty()) {                                                \
      if (::ddbcrypt::testing::standins_required()) {                                \
        FAIL() << ddbcrypt_missing_;                                                 \
      } else {                                                                       \
        GTEST_SKIP() << ddbcrypt_missing_;                                           \
      }                                                                              \
    }                                                                                \
  } while (false)
