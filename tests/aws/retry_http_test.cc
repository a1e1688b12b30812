// Retries over the real libcurl transport against a scripted loopback server: throttling
// errors, 500s and dropped connections a set number of times; a request that succeeds when
// the retries allow and fails with a clear error when they do not; the retry quota; and a
// clock-skew refusal answered by one re-signed retry (spec/aws-wire.md §10 item 5).
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ddbcrypt/aws/kms_client.h"
#include "ddbcrypt/error.h"
#include "testing/local_http_server.h"

namespace ddbcrypt::aws {
namespace {

using testing::LocalHttpServer;
using testing::ScriptedReply;
using std::chrono::milliseconds;

const std::string kDescribeOk =
    R"({"KeyMetadata":{"KeyId":"k1","Arn":"arn:aws:kms:us-east-1:111122223333:key/k1","Enabled":true,"KeyState":"Enabled"}})";

ScriptedReply kms_error(int status, const std::string& type) {
  return ScriptedReply{.status = status,
                       .headers = {{"Content-Type", "application/x-amz-json-1.1"}},
                       .body = R"({"__type":")" + type + R"(","message":"scripted"})"};
}
ScriptedReply ok() { return ScriptedReply{.body = kDescribeOk}; }

std::shared_ptr<KmsClient> client_for(const LocalHttpServer& server, RetryOptions retry = {}) {
  ClientConfig config;
  config.region = "us-east-1";
  config.endpoint_override = server.endpoint();
  config.credentials_provider = make_static_credentials_provider(
      Credentials("AKIDEXAMPLE", SecretBytes::copy_of(as_bytes("test-secret"))));
  config.request_timeout = milliseconds(1000);
  retry.base_delay = milliseconds(1);
  retry.throttling_base_delay = milliseconds(5);
  config.retry = retry;
  return make_kms_client(config);
}

TEST(RetryOverHttp, ThrottlingServerErrorsAndDropsAreRetried) {
  ScriptedReply internal = kms_error(500, "KMSInternalException");
  // The drop must hit a fresh connection: when a kept-alive connection dies before any answer,
  // libcurl itself sends the request once more on a new one, which would hide our retry.
  internal.close = true;
  LocalHttpServer server(testing::reply_in_order({
      kms_error(400, "ThrottlingException"),
      internal,
      ScriptedReply{.drop = true},
      ok(),
  }));
  const KeyMetadata m = client_for(server, {.max_attempts = 4})->describe_key("alias/x");
  EXPECT_EQ(m.key_id, "k1");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].header("X-Amz-Target"), "TrentService.DescribeKey");
    EXPECT_EQ(requests[i].header("amz-sdk-request"),
              "attempt=" + std::to_string(i + 1) + "; max=4");
    EXPECT_EQ(requests[i].body, R"({"KeyId":"alias/x"})");
  }
}

TEST(RetryOverHttp, FailsClearlyWhenAttemptsRunOut) {
  LocalHttpServer server(testing::reply_in_order({kms_error(503, "DependencyTimeoutException")}));
  try {
    (void)client_for(server)->describe_key("alias/x");
    FAIL() << "no error";
  } catch (const KmsError& e) {
    EXPECT_EQ(e.error_code(), "DependencyTimeoutException");
    EXPECT_EQ(e.http_status(), 503);
    EXPECT_EQ(e.attempts(), 3);  // KMS's default
    EXPECT_TRUE(e.retryable());
    const std::string what = e.what();
    EXPECT_NE(what.find("after 3 attempts"), std::string::npos) << what;
    EXPECT_NE(what.find("attempts exhausted"), std::string::npos) << what;
  }
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(RetryOverHttp, DroppedConnectionsEveryTimeBecomeANetworkError) {
  LocalHttpServer server(testing::reply_in_order({ScriptedReply{.drop = true}}));
  try {
    (void)client_for(server, {.max_attempts = 2})->describe_key("alias/x");
    FAIL() << "no error";
  } catch (const KmsError& e) {
    EXPECT_EQ(e.error_code(), "NetworkError");
    EXPECT_EQ(e.http_status(), 0);
    EXPECT_EQ(e.attempts(), 2);
    EXPECT_NE(std::string(e.what()).find("127.0.0.1"), std::string::npos) << e.what();
  }
}

TEST(RetryOverHttp, NonRetryableErrorsAreNotRepeated) {
  LocalHttpServer server(testing::reply_in_order({kms_error(400, "NotFoundException")}));
  EXPECT_THROW((void)client_for(server)->describe_key("alias/x"), KmsError);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(RetryOverHttp, QuotaStopsTheStormAcrossCalls) {
  LocalHttpServer server(testing::reply_in_order({kms_error(500, "KMSInternalException")}));
  RetryOptions retry;
  retry.max_attempts = 5;
  retry.retry_quota = 14 * 3;  // three transient retries in all
  auto client = client_for(server, retry);
  for (int call = 0; call < 4; ++call) EXPECT_THROW((void)client->describe_key("k"), KmsError);
  EXPECT_EQ(server.requests().size(), 4u + 3u);  // four first attempts, three retries
}

TEST(RetryOverHttp, ClockSkewGetsOneReSignedRetry) {
  // The server's clock is 20 minutes ahead of ours; it refuses the first signature and then
  // accepts one made with its time.
  const auto server_now = std::chrono::system_clock::now() + std::chrono::minutes(20);
  const std::time_t t = std::chrono::system_clock::to_time_t(server_now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  ScriptedReply refused = kms_error(400, "InvalidSignatureException");
  refused.headers.push_back({"Date", date});
  LocalHttpServer server(testing::reply_in_order({refused, ok()}));
  EXPECT_EQ(client_for(server)->describe_key("k").key_id, "k1");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  const std::string first = requests[0].header("X-Amz-Date");
  const std::string second = requests[1].header("X-Amz-Date");
  ASSERT_EQ(first.size(), 16u);
  ASSERT_EQ(second.size(), 16u);
  auto minutes_of = [](const std::string& d) {
    return std::stoi(d.substr(9, 2)) * 60 + std::stoi(d.substr(11, 2));
  };
  const int shift = (minutes_of(second) - minutes_of(first) + 24 * 60) % (24 * 60);
  EXPECT_TRUE(shift == 19 || shift == 20 || shift == 21) << first << " -> " << second;
  EXPECT_NE(requests[0].header("Authorization"), requests[1].header("Authorization"));
}

TEST(RetryOverHttp, ASignatureErrorWithoutSkewIsNotRetried) {
  LocalHttpServer server(testing::reply_in_order({kms_error(400, "InvalidSignatureException")}));
  EXPECT_THROW((void)client_for(server)->describe_key("k"), KmsError);
  EXPECT_EQ(server.requests().size(), 1u);
}

}  // namespace
}  // namespace ddbcrypt::aws
