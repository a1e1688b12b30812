// The stand-in plumbing that the integration tests rely on: endpoints from the environment, the
// loopback-only HTTP helper and the fault proxy's control API, exercised against the running
// stand-ins (tests/standins/standins.py).
#include "testing/standins.h"

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace ddbcrypt::testing {
namespace {

TEST(StandinsHttp, RefusesEndpointsOutsideLoopback) {
  EXPECT_THROW(http_exchange("http://10.0.0.1:8000", "GET", "/"), std::runtime_error);
  EXPECT_THROW(http_exchange("https://127.0.0.1:8000", "GET", "/"), std::runtime_error);
  EXPECT_THROW(http_exchange("http://127.0.0.1:0", "GET", "/"), std::runtime_error);
  EXPECT_THROW(http_exchange("http://127.0.0.1:70000", "GET", "/"), std::runtime_error);
}

TEST(StandinsNames, AreUniquePerCall) {
  const std::string a = unique_name("tbl");
  const std::string b = unique_name("tbl");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("tbl-", 0), 0u);
}

TEST(Standins, EndpointsAnswer) {
  DDBCRYPT_REQUIRE_STANDINS();
  // moto's own API and DynamoDB Local (through the proxy, whose control API answers too).
  EXPECT_EQ(http_exchange(*kms_endpoint(), "GET", "/moto-api/").status, 200);
  const HttpReply stats = http_exchange(*faulty_dynamodb_endpoint(), "GET", "/__faults/stats");
  EXPECT_EQ(stats.status, 200);
  EXPECT_NE(stats.body.find("\"requests\""), std::string::npos);
}

TEST(FaultProxy, InjectsScheduledFaultOnlyForItsTable) {
  DDBCRYPT_REQUIRE_STANDINS();
  FaultProxy proxy = FaultProxy::from_env();
  const std::string table = unique_name("faults");
  const int id = proxy.add_rule(R"({"table":")" + table + R"(","fault":"throttling","times":1})");
  EXPECT_EQ(proxy.fired(id), 0);

  // A request for another table is forwarded (DynamoDB Local rejects it: no X-Amz-Target).
  const std::string other_body = R"({"TableName":")" + unique_name("other") + R"("})";
  const HttpReply other = http_exchange(proxy.endpoint(), "POST", "/", other_body);
  EXPECT_EQ(other.body.find("ThrottlingException"), std::string::npos);
  EXPECT_EQ(proxy.fired(id), 0);

  const std::string body = R"({"TableName":")" + table + R"("})";
  const HttpReply throttled = http_exchange(proxy.endpoint(), "POST", "/", body);
  EXPECT_EQ(throttled.status, 400);
  EXPECT_NE(throttled.body.find("ThrottlingException"), std::string::npos);
  EXPECT_EQ(proxy.fired(id), 1);

  // "times": 1 is used up: the next request goes through again.
  const HttpReply after = http_exchange(proxy.endpoint(), "POST", "/", body);
  EXPECT_EQ(after.body.find("ThrottlingException"), std::string::npos);
  EXPECT_EQ(proxy.fired(id), 1);
  proxy.remove_rule(id);
  EXPECT_THROW(proxy.fired(id), std::runtime_error);
}

TEST(FaultProxy, RejectsMalformedRules) {
  DDBCRYPT_REQUIRE_STANDINS();
  FaultProxy proxy = FaultProxy::from_env();
  EXPECT_THROW(proxy.add_rule(R"({"fault":"no-such-fault"})"), std::runtime_error);
  EXPECT_THROW(proxy.add_rule(R"({"operation":"PutItem","fault":"trim"})"), std::runtime_error);
  EXPECT_THROW(proxy.add_rule(R"({"fault":"error"})"), std::runtime_error);
}

}  // namespace
}  // namespace ddbcrypt::testing
