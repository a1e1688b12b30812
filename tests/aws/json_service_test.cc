// JsonService, the signed and retried call under the DynamoDB and KMS clients, against a
// scripted in-process transport with a fake clock and recorded sleeps: request shape and
// signing, error parsing, retries and their limits, the retry quota, CRC-32, clock skew and
// expired credentials. The same engine over the real libcurl transport is exercised in
// retry_http_test.cc and the integration tests.
#include "aws/json_service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ddbcrypt/aws/credentials.h"
#include "ddbcrypt/aws/http.h"
#include "ddbcrypt/bytes.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

using aws::HttpRequest;
using aws::HttpResponse;
using std::chrono::milliseconds;
using Clock = std::chrono::system_clock;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// One scripted step: an answer, or a transport failure.
struct Step {
  int status = 200;
  aws::HttpHeaders headers;
  std::string body = "{}";
  std::optional<aws::TransportErrorKind> fail;
};

class ScriptedTransport final : public aws::HttpTransport {
 public:
  explicit ScriptedTransport(std::vector<Step> steps) : steps_(steps.begin(), steps.end()) {}
  HttpResponse send(const HttpRequest& request, const aws::HttpOptions&) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    sent_.push_back(request);
    if (steps_.empty()) return HttpResponse{.status = 500, .body = "{}"};
    Step step = steps_.front();
    if (steps_.size() > 1) steps_.pop_front();
    if (step.fail) throw aws::TransportError(*step.fail, "scripted failure to 127.0.0.1");
    return HttpResponse{.status = step.status, .headers = step.headers, .body = step.body};
  }
  std::vector<HttpRequest> sent() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return sent_;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::deque<Step> steps_;
  mutable std::vector<HttpRequest> sent_;
};

class CountingCredentials final : public aws::CredentialsProvider {
 public:
  aws::Credentials credentials() const override {
    return aws::Credentials("AKIDEXAMPLE", SecretBytes::copy_of(as_bytes(kSecret)),
                            generation_ == 0 ? std::optional<std::string>("old-token")
                                             : std::optional<std::string>("new-token"));
  }
  void invalidate() const override { ++generation_; }
  int invalidations() const { return generation_; }

 private:
  mutable std::atomic<int> generation_{0};
};

std::string header(const HttpRequest& request, std::string_view name) {
  for (const auto& [k, v] : request.headers) {
    if (k.size() == name.size() &&
        std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return "";
}

struct Harness {
  std::shared_ptr<ScriptedTransport> transport;
  std::shared_ptr<CountingCredentials> credentials = std::make_shared<CountingCredentials>();
  Clock::time_point now = Clock::time_point(std::chrono::seconds(1440938160));  // 2015-08-30T12:36:00Z
  std::vector<milliseconds> sleeps;
  std::unique_ptr<JsonService> service;

  Harness(std::vector<Step> steps, bool crc = false, aws::RetryOptions retry = {})
      : transport(std::make_shared<ScriptedTransport>(std::move(steps))) {
    aws::ClientConfig config;
    config.region = "us-east-1";
    config.endpoint_override = "http://127.0.0.1:8000";
    config.credentials_provider = credentials;
    config.transport = transport;
    config.retry = retry;
    const JsonServiceTraits traits{
        .service_id = "DynamoDB",
        .signing_name = "dynamodb",
        .target_prefix = "DynamoDB_20120810",
        .content_type = "application/x-amz-json-1.0",
        .check_crc32 = crc,
        .default_max_attempts = 3,
        .default_base_delay = milliseconds(25),
    };
    service = std::make_unique<JsonService>(
        config, traits, [](JsonCallFailure&& failure) { throw DynamoDbError(failure.info); },
        JsonServiceHooks{
            .now = [this] { return now; },
            .sleep = [this](milliseconds d) { sleeps.push_back(d); now += d; },
            .jitter = [] { return 0.5; },
        });
  }

  std::string call(std::string body = "{}") { return service->call("GetItem", std::move(body)); }
};

// Runs `f`, which must throw DynamoDbError, and returns the error.
template <class F>
DynamoDbError expect_error(F&& f) {
  try {
    f();
  } catch (const DynamoDbError& e) {
    return e;
  }
  ADD_FAILURE() << "no DynamoDbError thrown";
  return DynamoDbError(AwsErrorInfo{});
}

Step error_step(int status, std::string type, std::string message = "") {
  std::string body = R"({"__type":")" + type + "\"";
  if (!message.empty()) body += R"(,"message":")" + message + "\"";
  body += "}";
  return Step{.status = status, .headers = {{"x-amzn-RequestId", "REQ-1"}}, .body = body};
}

TEST(JsonService, SendsASignedJsonRequest) {
  Harness h({Step{.body = R"({"Item":{}})"}});
  EXPECT_EQ(h.call(R"({"TableName":"t"})"), R"({"Item":{}})");
  const auto sent = h.transport->sent();
  ASSERT_EQ(sent.size(), 1u);
  const HttpRequest& r = sent[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "http://127.0.0.1:8000/");
  EXPECT_EQ(header(r, "Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(header(r, "X-Amz-Target"), "DynamoDB_20120810.GetItem");
  EXPECT_EQ(header(r, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(header(r, "X-Amz-Security-Token"), "old-token");
  EXPECT_EQ(header(r, "Accept-Encoding"), "identity");
  EXPECT_EQ(header(r, "amz-sdk-request"), "attempt=1; max=3");
  EXPECT_EQ(header(r, "amz-sdk-invocation-id").size(), 36u);
  const std::string authorization = header(r, "Authorization");
  EXPECT_EQ(authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
                                "dynamodb/aws4_request, SignedHeaders=",
                                0),
            0u)
      << authorization;
  EXPECT_NE(authorization.find("x-amz-security-token"), std::string::npos);
  EXPECT_NE(authorization.find("x-amz-target"), std::string::npos);
  EXPECT_EQ(authorization.find(kSecret), std::string::npos);
  EXPECT_EQ(h.service->metrics().calls, 1u);
  EXPECT_EQ(h.service->metrics().attempts, 1u);
}

TEST(JsonService, ErrorCodesMessagesAndRequestIds) {
  struct Case {
    Step step;
    std::string code, message;
  };
  const std::vector<Case> cases = {
      {error_step(400, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "gone"),
       "ResourceNotFoundException", "gone"},
      {error_step(400, "ValidationException", "bad"), "ValidationException", "bad"},
      {Step{.status = 400,
            .body = R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled"})"},
       "TransactionCanceledException", "Transaction cancelled"},
      {Step{.status = 400, .body = R"({"__type":"InvalidCiphertextException"})"},
       "InvalidCiphertextException", ""},
      {Step{.status = 400,
            .headers = {{"X-Amzn-ErrorType", "AccessDeniedException:http://internal.amazon.com/"}},
            .body = R"({"__type":"Other"})"},
       "AccessDeniedException", ""},
      {Step{.status = 400, .body = R"({"code":"aws.protocoltests#SomeError"})"}, "SomeError", ""},
      {Step{.status = 404, .body = "<html>not json</html>"}, "UnknownError",
       "HTTP 404 without an AWS error code"},
  };
  for (const Case& c : cases) {
    Harness h({c.step});
    const DynamoDbError e = expect_error([&] { (void)h.call(); });
    EXPECT_EQ(e.error_code(), c.code);
    EXPECT_EQ(e.aws_message(), c.message);
    EXPECT_EQ(e.http_status(), c.step.status);
    EXPECT_EQ(e.attempts(), 1);
    EXPECT_FALSE(e.retryable());
  }
  Harness h({error_step(400, "ValidationException", "x")});
  EXPECT_EQ(expect_error([&] { (void)h.call(); }).request_id(), "REQ-1");
}

TEST(JsonService, RetriesTransientErrorsWithGrowingBackoff) {
  Harness h({error_step(500, "InternalServerError"), Step{.status = 503, .body = ""},
             Step{.body = R"({"ok":1})"}});
  EXPECT_EQ(h.call(), R"({"ok":1})");
  const auto sent = h.transport->sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(h.sleeps, (std::vector<milliseconds>{milliseconds(12), milliseconds(25)}));
  EXPECT_EQ(header(sent[2], "amz-sdk-request"), "attempt=3; max=3");
  // One invocation id for the call.
  EXPECT_EQ(header(sent[0], "amz-sdk-invocation-id"), header(sent[2], "amz-sdk-invocation-id"));
  EXPECT_EQ(h.service->metrics().retries, 2u);
  EXPECT_EQ(h.service->available_retry_quota(), 500 - 14);  // the last retry's cost came back
}

TEST(JsonService, ThrottlingUsesTheThrottlingBase) {
  Harness h({error_step(400, "ProvisionedThroughputExceededException"),
             error_step(400, "ThrottlingException"), Step{}});
  (void)h.call();
  EXPECT_EQ(h.sleeps, (std::vector<milliseconds>{milliseconds(500), milliseconds(1000)}));
  // Every attempt is signed again at its own time: 1.5 s after the first.
  const auto sent = h.transport->sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(header(sent[0], "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(header(sent[2], "X-Amz-Date"), "20150830T123601Z");
  EXPECT_NE(header(sent[0], "Authorization"), header(sent[2], "Authorization"));
  EXPECT_EQ(std::count_if(sent[2].headers.begin(), sent[2].headers.end(),
                          [](const auto& h2) { return h2.first == "Authorization"; }),
            1);
}

TEST(JsonService, GivesUpAfterMaxAttempts) {
  Harness h({error_step(500, "InternalServerError", "boom")});
  const DynamoDbError e = expect_error([&] { (void)h.call(); });
  EXPECT_EQ(e.error_code(), "InternalServerError");
  EXPECT_EQ(e.attempts(), 3);
  EXPECT_TRUE(e.retryable());
  EXPECT_NE(std::string(e.what()).find("attempts exhausted"), std::string::npos) << e.what();
  EXPECT_EQ(h.transport->sent().size(), 3u);
}

TEST(JsonService, NonRetryableErrorsReturnAtOnce) {
  Harness h({error_step(400, "ConditionalCheckFailedException", "The conditional request failed")});
  const DynamoDbError e = expect_error([&] { (void)h.call(); });
  EXPECT_TRUE(e.is_conditional_check_failed());
  EXPECT_EQ(h.transport->sent().size(), 1u);
  EXPECT_TRUE(h.sleeps.empty());
}

TEST(JsonService, TransportFailuresAreRetriedThenReported) {
  Harness h({Step{.fail = aws::TransportErrorKind::kConnectionReset},
             Step{.fail = aws::TransportErrorKind::kConnectFailed}, Step{.body = "{}"}});
  EXPECT_EQ(h.call(), "{}");
  EXPECT_EQ(h.transport->sent().size(), 3u);

  Harness timeouts({Step{.fail = aws::TransportErrorKind::kTimeout}});
  const DynamoDbError e = expect_error([&] { (void)timeouts.call(); });
  EXPECT_EQ(e.error_code(), "RequestTimeout");
  EXPECT_EQ(e.http_status(), 0);
  EXPECT_EQ(e.attempts(), 3);
  EXPECT_TRUE(e.retryable());
}

TEST(JsonService, RetryQuotaStopsARetryStorm) {
  aws::RetryOptions retry;
  retry.retry_quota = 30;  // two transient retries' worth
  retry.max_attempts = 10;
  Harness h({error_step(500, "InternalServerError")}, false, retry);
  const DynamoDbError first = expect_error([&] { (void)h.call(); });
  EXPECT_EQ(first.attempts(), 3);  // two retries paid for, then the bucket is empty
  EXPECT_NE(std::string(first.what()).find("retry quota exhausted"), std::string::npos);
  const DynamoDbError second = expect_error([&] { (void)h.call(); });
  EXPECT_EQ(second.attempts(), 1);  // no retries at all while the bucket is empty
  EXPECT_EQ(h.transport->sent().size(), 4u);
}

TEST(JsonService, Crc32MismatchIsRetried) {
  const std::string body = R"({"TableNames": []})";
  EXPECT_EQ(crc32_of(body), 363771991u);
  Harness h({Step{.headers = {{"x-amz-crc32", "12345"}}, .body = body},
             Step{.headers = {{"x-amz-crc32", "363771991"}}, .body = body}},
            /*crc=*/true);
  EXPECT_EQ(h.call(), body);
  EXPECT_EQ(h.transport->sent().size(), 2u);

  Harness always_bad({Step{.headers = {{"x-amz-crc32", "1"}}, .body = body}}, true);
  const DynamoDbError e = expect_error([&] { (void)always_bad.call(); });
  EXPECT_EQ(e.error_code(), "CRC32CheckFailed");
  EXPECT_EQ(e.attempts(), 3);

  // Without the check (KMS) the header is ignored.
  Harness unchecked({Step{.headers = {{"x-amz-crc32", "1"}}, .body = body}}, false);
  EXPECT_EQ(unchecked.call(), body);
}

TEST(JsonService, ClockSkewIsCorrectedAndRetriedOnce) {
  // The server is 20 minutes ahead and refuses our signature as expired.
  Step skewed = error_step(403, "InvalidSignatureException", "Signature expired");
  skewed.headers.push_back({"Date", "Sun, 30 Aug 2015 12:56:00 GMT"});
  Harness h({skewed, Step{.headers = {{"Date", "Sun, 30 Aug 2015 12:56:01 GMT"}}}});
  (void)h.call();
  const auto sent = h.transport->sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(header(sent[0], "X-Amz-Date"), "20150830T123600Z");
  // Re-signed with the corrected time (plus the backoff that passed on the fake clock).
  EXPECT_EQ(header(sent[1], "X-Amz-Date").substr(0, 13), "20150830T1256");
  EXPECT_EQ(h.service->clock_offset(), std::chrono::minutes(20));

  // The same refusal with a Date that agrees with our (corrected) clock is a real signing
  // error: not retried.
  Harness agree({skewed});
  (void)expect_error([&] { (void)agree.call(); });  // first: offset changes, one retry
  EXPECT_EQ(agree.transport->sent().size(), 2u);
}

TEST(JsonService, SkewCorrectionCanBeTurnedOff) {
  Step skewed = error_step(403, "InvalidSignatureException");
  skewed.headers.push_back({"Date", "Sun, 30 Aug 2015 12:56:00 GMT"});
  aws::RetryOptions retry;
  retry.correct_clock_skew = false;
  Harness h({skewed}, false, retry);
  (void)expect_error([&] { (void)h.call(); });
  EXPECT_EQ(h.transport->sent().size(), 1u);
  EXPECT_EQ(h.service->clock_offset(), milliseconds(0));
}

TEST(JsonService, RetryAfterHeaderStretchesTheDelay) {
  Step throttled = error_step(400, "ThrottlingException");
  throttled.headers.push_back({"x-amz-retry-after", "1500"});
  Harness h({throttled, Step{}});
  (void)h.call();
  EXPECT_EQ(h.sleeps, (std::vector<milliseconds>{milliseconds(1500)}));
}

TEST(JsonService, ExpiredTokenRefreshesCredentialsOnce) {
  Harness h({error_step(400, "ExpiredTokenException", "The security token included in the "
                                                      "request is expired"),
             Step{.body = R"({"ok":1})"}});
  EXPECT_EQ(h.call(), R"({"ok":1})");
  EXPECT_EQ(h.credentials->invalidations(), 1);
  const auto sent = h.transport->sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(header(sent[1], "X-Amz-Security-Token"), "new-token");
  EXPECT_TRUE(h.sleeps.empty());

  Harness still_expired({error_step(400, "ExpiredTokenException")});
  const DynamoDbError e = expect_error([&] { (void)still_expired.call(); });
  EXPECT_EQ(e.error_code(), "ExpiredTokenException");
  EXPECT_EQ(still_expired.credentials->invalidations(), 1);
  EXPECT_EQ(still_expired.transport->sent().size(), 2u);
}

TEST(JsonService, ErrorsNeverCarryBodiesOrSecrets) {
  Harness h({Step{.status = 400,
                  .body = R"({"__type":"ValidationException","message":"bad","Item":{"ssn":{"S":"123-45-6789"}}})"}});
  const DynamoDbError e = expect_error([&] { (void)h.call(R"({"Item":{"ssn":{"S":"123-45-6789"}}})"); });
  const std::string what = e.what();
  EXPECT_EQ(what.find("123-45-6789"), std::string::npos);
  EXPECT_EQ(what.find(kSecret), std::string::npos);
  EXPECT_EQ(what.find("AKIDEXAMPLE"), std::string::npos);
}

TEST(JsonService, ConcurrentCallsShareOneClient) {
  Harness h({Step{.body = "{}"}});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) ASSERT_EQ(h.call(), "{}");
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.service->metrics().calls, 400u);
  EXPECT_EQ(h.transport->sent().size(), 400u);
}

TEST(JsonServiceParsing, HttpDates) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Clock::time_point(std::chrono::seconds(784111777)));
  EXPECT_EQ(parse_http_date("  Sun, 30 Aug 2015 12:36:00 GMT "),
            Clock::time_point(std::chrono::seconds(1440938160)));
  EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 31 Feb 2015 12:36:00 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Xyz 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date(""));
}

TEST(JsonServiceParsing, SanitizesErrorCodes) {
  EXPECT_EQ(sanitize_error_code("com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"),
            "ConditionalCheckFailedException");
  EXPECT_EQ(sanitize_error_code("FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/"),
            "FooError");
  EXPECT_EQ(sanitize_error_code("aws.protocoltests.restjson#FooError:http://x#y"), "FooError");
  EXPECT_EQ(sanitize_error_code("ThrottlingException"), "ThrottlingException");
}

}  // namespace
}  // namespace ddbcrypt::internal
