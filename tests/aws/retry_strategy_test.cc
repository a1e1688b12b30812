// The standard retry mode: what is retried, how long it waits, and how the retry quota stops a
// retry storm (spec/aws-wire.md §6.2-§6.4).
#include "aws/retry_strategy.h"

#include <chrono>

#include <gtest/gtest.h>

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

using std::chrono::milliseconds;

TEST(RetryClassify, ThrottlingByStatusOrCode) {
  EXPECT_EQ(classify_error(429, ""), RetryClass::kThrottling);
  for (const char* code : {"ThrottlingException", "ProvisionedThroughputExceededException",
                           "RequestLimitExceeded", "TransactionInProgressException",
                           "LimitExceededException", "TooManyRequestsException", "SlowDown"}) {
    EXPECT_EQ(classify_error(400, code), RetryClass::kThrottling) << code;
  }
}

TEST(RetryClassify, TransientByStatusOrCode) {
  for (int status : {500, 502, 503, 504}) {
    EXPECT_EQ(classify_error(status, "SomethingNew"), RetryClass::kTransient) << status;
  }
  EXPECT_EQ(classify_error(500, "InternalServerError"), RetryClass::kTransient);
  EXPECT_EQ(classify_error(500, "KMSInternalException"), RetryClass::kTransient);
  EXPECT_EQ(classify_error(503, "DependencyTimeoutException"), RetryClass::kTransient);
  EXPECT_EQ(classify_error(409, "ReplicatedWriteConflictException"), RetryClass::kTransient);
  EXPECT_EQ(classify_error(400, "IDPCommunicationError"), RetryClass::kTransient);
  EXPECT_EQ(classify_error(408, "RequestTimeout"), RetryClass::kTimeout);
}

TEST(RetryClassify, ClockSkewCodes) {
  for (const char* code : {"InvalidSignatureException", "RequestTimeTooSkewed", "RequestExpired",
                           "SignatureDoesNotMatch", "AuthFailure", "RequestInTheFuture"}) {
    EXPECT_EQ(classify_error(403, code), RetryClass::kClockSkew) << code;
  }
}

TEST(RetryClassify, CallerErrorsAreNotRetried) {
  for (const char* code : {"ValidationException", "ConditionalCheckFailedException",
                           "TransactionCanceledException", "ResourceNotFoundException",
                           "AccessDeniedException", "InvalidCiphertextException",
                           "NotFoundException", "IncorrectKeyException", "DisabledException",
                           "UnrecognizedClientException", "SerializationException"}) {
    EXPECT_EQ(classify_error(400, code), RetryClass::kNotRetryable) << code;
  }
  EXPECT_EQ(classify_error(404, ""), RetryClass::kNotRetryable);
}

TEST(RetryPolicy, ServiceDefaultsAndOverrides) {
  const RetryPolicy ddb = make_retry_policy({}, std::nullopt, 4, milliseconds(25));
  EXPECT_EQ(ddb.max_attempts, 4);
  EXPECT_EQ(ddb.base_delay, milliseconds(25));
  EXPECT_EQ(ddb.throttling_base_delay, milliseconds(1000));
  EXPECT_EQ(ddb.max_backoff, milliseconds(20000));
  EXPECT_EQ(ddb.retry_quota, 500);
  EXPECT_EQ(ddb.retry_cost, 14);
  EXPECT_EQ(ddb.throttling_retry_cost, 5);

  aws::RetryOptions options;
  options.base_delay = milliseconds(7);
  const RetryPolicy custom = make_retry_policy(options, 9, 3, milliseconds(50));
  EXPECT_EQ(custom.max_attempts, 9);
  EXPECT_EQ(custom.base_delay, milliseconds(7));
}

TEST(RetryPolicy, RejectsValuesThatCannotWork) {
  EXPECT_THROW((void)make_retry_policy({}, 0, 3, milliseconds(50)), ConfigError);
  aws::RetryOptions negative;
  negative.base_delay = milliseconds(-1);
  EXPECT_THROW((void)make_retry_policy(negative, std::nullopt, 3, milliseconds(50)), ConfigError);
  aws::RetryOptions cost;
  cost.retry_cost = -3;
  EXPECT_THROW((void)make_retry_policy(cost, std::nullopt, 3, milliseconds(50)), ConfigError);
}

TEST(RetryDecide, StopsAtMaxAttemptsAndForNonRetryable) {
  RetryStrategy strategy(make_retry_policy({}, 3, 3, milliseconds(50)));
  EXPECT_TRUE(strategy.decide(RetryClass::kTransient, 1).retry);
  EXPECT_TRUE(strategy.decide(RetryClass::kTransient, 2).retry);
  const auto exhausted = strategy.decide(RetryClass::kTransient, 3);
  EXPECT_FALSE(exhausted.retry);
  EXPECT_EQ(exhausted.reason, "attempts exhausted");
  const auto refused = strategy.decide(RetryClass::kNotRetryable, 1);
  EXPECT_FALSE(refused.retry);
  EXPECT_EQ(refused.reason, "not retryable");
}

TEST(RetryQuota, DrainsByCostAndRefusesWhenEmpty) {
  RetryStrategy strategy(make_retry_policy({}, 1000, 3, milliseconds(50)));
  int transient_retries = 0;
  while (strategy.decide(RetryClass::kTransient, 1).retry) ++transient_retries;
  EXPECT_EQ(transient_retries, 500 / 14);
  EXPECT_EQ(strategy.available_quota(), 500 % 14);
  const auto refused = strategy.decide(RetryClass::kTransient, 1);
  EXPECT_FALSE(refused.retry);
  EXPECT_EQ(refused.reason, "retry quota exhausted");
  // Throttling retries are cheaper (5): the 10 tokens left pay for two of them.
  EXPECT_TRUE(strategy.decide(RetryClass::kThrottling, 1).retry);
  EXPECT_TRUE(strategy.decide(RetryClass::kThrottling, 1).retry);
  EXPECT_FALSE(strategy.decide(RetryClass::kThrottling, 1).retry);
}

TEST(RetryQuota, RefillsOnSuccessUpToCapacity) {
  RetryStrategy strategy(make_retry_policy({}, 10, 3, milliseconds(50)));
  const auto first = strategy.decide(RetryClass::kTransient, 1);
  ASSERT_TRUE(first.retry);
  EXPECT_EQ(first.cost, 14);
  EXPECT_EQ(strategy.available_quota(), 486);
  strategy.on_success(first.cost);  // the retry succeeded: its cost comes back
  EXPECT_EQ(strategy.available_quota(), 500);
  strategy.on_success(0);  // a first-attempt success adds one, but never beyond capacity
  EXPECT_EQ(strategy.available_quota(), 500);
  (void)strategy.decide(RetryClass::kThrottling, 1);
  strategy.on_success(0);
  EXPECT_EQ(strategy.available_quota(), 496);
}

TEST(RetryQuota, CanBeTurnedOff) {
  aws::RetryOptions options;
  options.use_quota = false;
  RetryStrategy strategy(make_retry_policy(options, 1000, 3, milliseconds(50)));
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(strategy.decide(RetryClass::kTransient, 1).retry);
  EXPECT_EQ(strategy.available_quota(), 500);
}

TEST(RetryBackoff, ExponentialWithJitterAndCap) {
  RetryStrategy half(make_retry_policy({}, 10, 4, milliseconds(25)), [] { return 0.5; });
  EXPECT_EQ(half.backoff(RetryClass::kTransient, 1, std::nullopt), milliseconds(12));
  EXPECT_EQ(half.backoff(RetryClass::kTransient, 2, std::nullopt), milliseconds(25));
  EXPECT_EQ(half.backoff(RetryClass::kTransient, 3, std::nullopt), milliseconds(50));
  EXPECT_EQ(half.backoff(RetryClass::kThrottling, 1, std::nullopt), milliseconds(500));
  EXPECT_EQ(half.backoff(RetryClass::kThrottling, 3, std::nullopt), milliseconds(2000));
  // min(1 s x 2^9, 20 s) = 20 s, then jitter.
  EXPECT_EQ(half.backoff(RetryClass::kThrottling, 10, std::nullopt), milliseconds(10000));
  EXPECT_EQ(half.backoff(RetryClass::kThrottling, 1000, std::nullopt), milliseconds(10000));

  RetryStrategy zero(make_retry_policy({}, 10, 4, milliseconds(25)), [] { return 0.0; });
  EXPECT_EQ(zero.backoff(RetryClass::kThrottling, 5, std::nullopt), milliseconds(0));
  // A jitter source that misbehaves cannot make the delay exceed the cap.
  RetryStrategy bad(make_retry_policy({}, 10, 4, milliseconds(25)), [] { return 7.0; });
  EXPECT_LE(bad.backoff(RetryClass::kThrottling, 30, std::nullopt), milliseconds(20000));
}

TEST(RetryBackoff, DefaultJitterStaysInRange) {
  RetryStrategy strategy(make_retry_policy({}, 10, 4, milliseconds(25)));
  bool varied = false;
  const auto first = strategy.backoff(RetryClass::kThrottling, 4, std::nullopt);
  for (int i = 0; i < 200; ++i) {
    const auto d = strategy.backoff(RetryClass::kThrottling, 4, std::nullopt);
    ASSERT_GE(d, milliseconds(0));
    ASSERT_LT(d, milliseconds(8000));
    varied = varied || d != first;
  }
  EXPECT_TRUE(varied);
}

TEST(RetryBackoff, RetryAfterIsHonouredWithinFiveSeconds) {
  RetryStrategy strategy(make_retry_policy({}, 10, 4, milliseconds(25)), [] { return 0.5; });
  // t = 12 ms: a hint of 300 ms wins.
  EXPECT_EQ(strategy.backoff(RetryClass::kTransient, 1, milliseconds(300)), milliseconds(300));
  // A hint shorter than our delay does not shorten it.
  EXPECT_EQ(strategy.backoff(RetryClass::kThrottling, 1, milliseconds(100)), milliseconds(500));
  // A huge hint is capped at t + 5 s.
  EXPECT_EQ(strategy.backoff(RetryClass::kThrottling, 1, milliseconds(60000)), milliseconds(5500));
}

}  // namespace
}  // namespace ddbcrypt::internal
