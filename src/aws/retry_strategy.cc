#include "aws/retry_strategy.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

constexpr std::array<std::string_view, 9> kTransientCodes = {
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalServerError",
    "InternalFailure",
    "ServiceUnavailable",
    "KMSInternalException",
    "KeyUnavailableException",
    "DependencyTimeoutException",
    "IDPCommunicationError",
};

// Modeled as retryable by the service (DynamoDB global tables), not throttling.
constexpr std::array<std::string_view, 1> kModeledRetryableCodes = {
    "ReplicatedWriteConflictException",
};

constexpr std::array<std::string_view, 6> kClockSkewCodes = {
    "RequestTimeTooSkewed",   "RequestExpired",          "RequestInTheFuture",
    "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure",
};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& codes, std::string_view code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

double default_jitter() {
  // Jitter needs no secrecy, only independence between clients: seed each thread's PRNG from
  // the CSPRNG once.
  thread_local std::mt19937_64 generator = [] {
    const Bytes seed = random_bytes(8);
    std::uint64_t value = 0;
    for (std::uint8_t b : seed) value = (value << 8) | b;
    return std::mt19937_64(value);
  }();
  return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

}  // namespace

bool is_throttling_code(std::string_view error_code) {
  return is_throttling_error_code(error_code);
}

bool is_clock_skew_code(std::string_view error_code) {
  return contains(kClockSkewCodes, error_code);
}

RetryClass classify_error(int http_status, std::string_view error_code) {
  if (http_status == 429 || is_throttling_code(error_code)) return RetryClass::kThrottling;
  if (contains(kTransientCodes, error_code) || contains(kModeledRetryableCodes, error_code)) {
    return error_code == "RequestTimeout" || error_code == "RequestTimeoutException"
               ? RetryClass::kTimeout
               : RetryClass::kTransient;
  }
  if (is_clock_skew_code(error_code)) return RetryClass::kClockSkew;
  if (http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504) {
    return RetryClass::kTransient;
  }
  return RetryClass::kNotRetryable;
}

RetryPolicy make_retry_policy(const aws::RetryOptions& options,
                              std::optional<int> resolved_max_attempts, int default_max_attempts,
                              std::chrono::milliseconds default_base_delay) {
  RetryPolicy policy;
  policy.max_attempts = resolved_max_attempts.value_or(default_max_attempts);
  policy.base_delay = options.base_delay.value_or(default_base_delay);
  policy.throttling_base_delay = options.throttling_base_delay;
  policy.max_backoff = options.max_backoff;
  policy.retry_quota = options.retry_quota;
  policy.retry_cost = options.retry_cost;
  policy.throttling_retry_cost = options.throttling_retry_cost;
  policy.use_quota = options.use_quota;
  if (policy.max_attempts < 1) throw ConfigError("RetryOptions::max_attempts must be at least 1");
  if (policy.base_delay.count() < 0 || policy.throttling_base_delay.count() < 0 ||
      policy.max_backoff.count() < 0) {
    throw ConfigError("RetryOptions delays must not be negative");
  }
  if (policy.retry_quota < 0 || policy.retry_cost < 0 || policy.throttling_retry_cost < 0) {
    throw ConfigError("RetryOptions quota and costs must not be negative");
  }
  return policy;
}

RetryStrategy::RetryStrategy(RetryPolicy policy, std::function<double()> jitter)
    : policy_(policy),
      jitter_(jitter ? std::move(jitter) : std::function<double()>(default_jitter)),
      tokens_(policy.retry_quota) {}

bool RetryStrategy::acquire(int cost) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (tokens_ < cost) return false;
  tokens_ -= cost;
  return true;
}

RetryStrategy::Decision RetryStrategy::decide(RetryClass cls, int attempts_made) {
  if (cls == RetryClass::kNotRetryable) return {.reason = "not retryable"};
  if (attempts_made >= policy_.max_attempts) return {.reason = "attempts exhausted"};
  if (!policy_.use_quota) return {.retry = true};
  const int cost =
      cls == RetryClass::kThrottling ? policy_.throttling_retry_cost : policy_.retry_cost;
  if (!acquire(cost)) return {.reason = "retry quota exhausted"};
  return {.retry = true, .cost = cost};
}

std::chrono::milliseconds RetryStrategy::backoff(
    RetryClass cls, int retry, std::optional<std::chrono::milliseconds> retry_after) const {
  const std::chrono::milliseconds base =
      cls == RetryClass::kThrottling ? policy_.throttling_base_delay : policy_.base_delay;
  // base x 2^(retry-1), computed in double so a large retry number cannot overflow.
  const double exponential =
      static_cast<double>(base.count()) * std::ldexp(1.0, std::clamp(retry, 1, 62) - 1);
  const double capped = std::min(exponential, static_cast<double>(policy_.max_backoff.count()));
  double jitter = jitter_();
  if (!(jitter >= 0.0 && jitter < 1.0)) jitter = 0.0;
  auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(jitter * capped));
  if (retry_after && retry_after->count() >= 0) {
    // The service's hint wins, but it may only stretch our delay by a bounded amount.
    delay = std::max(delay, std::min(*retry_after, delay + policy_.max_retry_after_extension));
  }
  return delay;
}

void RetryStrategy::on_success(int last_retry_cost) {
  if (!policy_.use_quota) return;
  std::lock_guard<std::mutex> lock(mutex_);
  tokens_ = std::min(policy_.retry_quota, tokens_ + (last_retry_cost > 0 ? last_retry_cost : 1));
}

int RetryStrategy::available_quota() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return tokens_;
}

}  // namespace ddbcrypt::internal
