// RetryStrategy: the AWS SDKs' "standard" retry mode with the 2026 defaults
// (spec/aws-wire.md §6.2-§6.4), shared by every service client of the aws layer.
//
// A client owns one strategy (one retry quota per client, as the SDKs keep one per service
// client). For each call it asks `classify` what a failed attempt was, `should_retry` whether
// another attempt may be made (which also takes the retry's cost from the quota), `backoff`
// how long to wait first, and reports the outcome with `on_success`.
//
// Thread-safety: every method may be called concurrently; the quota is a mutex-guarded bucket.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

#include "ddbcrypt/aws/client_config.h"

namespace ddbcrypt::internal {

// What a failed attempt was, for the retry decision.
enum class RetryClass : std::uint8_t {
  kNotRetryable = 0,
  kTransient = 1,   // no response, 5xx, CRC mismatch, transient error codes
  kTimeout = 2,     // transient, but counted as a timeout
  kThrottling = 3,  // 429 or a throttling error code
  kClockSkew = 4,   // refused because our clock is off; retryable only after correcting it
};

// Classifies an error answer by HTTP status and (sanitized) AWS error code.
[[nodiscard]] RetryClass classify_error(int http_status, std::string_view error_code);
[[nodiscard]] bool is_throttling_code(std::string_view error_code);
[[nodiscard]] bool is_clock_skew_code(std::string_view error_code);

// The settings of one client's strategy: RetryOptions with the service defaults filled in.
struct RetryPolicy {
  int max_attempts = 3;
  std::chrono::milliseconds base_delay{50};
  std::chrono::milliseconds throttling_base_delay{1000};
  std::chrono::milliseconds max_backoff{20000};
  std::chrono::milliseconds max_retry_after_extension{5000};
  int retry_quota = 500;
  int retry_cost = 14;
  int throttling_retry_cost = 5;
  bool use_quota = true;
};

// `options` over the service defaults; `resolved_max_attempts` is what
// resolve_max_attempts() found (nullopt: the service default). ConfigError for values that
// cannot work (attempts < 1, negative delays or costs).
[[nodiscard]] RetryPolicy make_retry_policy(const aws::RetryOptions& options,
                                            std::optional<int> resolved_max_attempts,
                                            int default_max_attempts,
                                            std::chrono::milliseconds default_base_delay);

class RetryStrategy {
 public:
  // `jitter` returns values in [0, 1); null: a thread-local PRNG seeded from the CSPRNG.
  explicit RetryStrategy(RetryPolicy policy, std::function<double()> jitter = nullptr);

  const RetryPolicy& policy() const noexcept { return policy_; }

  // Whether attempt number `attempts_made + 1` may follow a failure of class `cls`: the class
  // is retryable, attempts remain, and the quota can pay the retry's cost, which it then
  // keeps until on_success() gives it back.
  struct Decision {
    bool retry = false;
    int cost = 0;             // tokens taken from the quota
    std::string_view reason;  // when not retrying: "not retryable", "attempts exhausted",
                              // "retry quota exhausted"
  };
  [[nodiscard]] Decision decide(RetryClass cls, int attempts_made);

  // The delay before retry number `retry` (1 for the first retry) of a failure of class
  // `cls`; `retry_after` is the response's x-amz-retry-after, when it had one.
  [[nodiscard]] std::chrono::milliseconds backoff(
      RetryClass cls, int retry, std::optional<std::chrono::milliseconds> retry_after) const;

  // A call succeeded; `last_retry_cost` is what its last retry took (0 when it succeeded on
  // the first attempt, which adds one token instead).
  void on_success(int last_retry_cost);

  // Tokens in the bucket now.
  [[nodiscard]] int available_quota() const;

 private:
  bool acquire(int cost);

  RetryPolicy policy_;
  std::function<double()> jitter_;
  mutable std::mutex mutex_;
  int tokens_;  // guarded by mutex_
};

}  // namespace ddbcrypt::internal
