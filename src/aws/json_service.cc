#include "aws/json_service.h"

#include <zlib.h>

#include <array>
#include <charconv>
#include <thread>
#include <stdexcept>
#include <utility>

#include <simdjson.h>

#include "aws/dynamodb_client.h"
#include "aws/region_endpoint.h"
#include "ddbcrypt/crypto/secret_bytes.h"

namespace ddbcrypt::internal {
namespace {

using Clock = std::chrono::system_clock;

constexpr std::string_view kUserAgent = "ddbcrypt/0.1.0";
// Offsets smaller than this are ordinary clock noise (spec §6.5).
constexpr auto kSkewThreshold = std::chrono::minutes(5);

std::optional<std::string_view> header_of(const aws::HttpResponse& response,
                                          std::string_view name) {
  return response.header(name);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

template <class Int>
std::optional<Int> parse_int(std::string_view text) {
  text = trim(text);
  Int value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Wipes a request body on every way out of call(): KMS bodies carry base64 plaintext.
struct BodyWiper {
  std::string& body;
  ~BodyWiper() { detail::secure_wipe(body.data(), body.size()); }
};

}  // namespace

std::string sanitize_error_code(std::string_view code) {
  if (const auto colon = code.find(':'); colon != std::string_view::npos) {
    code = code.substr(0, colon);
  }
  if (const auto hash = code.rfind('#'); hash != std::string_view::npos) {
    code = code.substr(hash + 1);
  }
  return std::string(trim(code));
}

ParsedAwsError parse_aws_error(const aws::HttpResponse& response) {
  ParsedAwsError out;
  if (auto type = header_of(response, "X-Amzn-ErrorType")) out.code = sanitize_error_code(*type);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const simdjson::padded_string padded(response.body);
  if (parser.parse(padded).get(root) != simdjson::SUCCESS || !root.is_object()) return out;
  auto string_member = [&](std::string_view name) -> std::optional<std::string_view> {
    std::string_view text;
    if (root[name].get(text) != simdjson::SUCCESS) return std::nullopt;
    return text;
  };
  if (out.code.empty()) {
    if (auto type = string_member("__type")) out.code = sanitize_error_code(*type);
    else if (auto code = string_member("code")) out.code = sanitize_error_code(*code);
  }
  if (auto message = string_member("message")) out.message = std::string(*message);
  else if (auto message2 = string_member("Message")) out.message = std::string(*message2);
  return out;
}

std::uint32_t crc32_of(std::string_view data) noexcept {
  return static_cast<std::uint32_t>(
      crc32_z(0L, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

std::optional<Clock::time_point> parse_http_date(std::string_view text) {
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 characters).
  text = trim(text);
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' ||
      text[11] != ' ' || text[16] != ' ' || text[19] != ':' || text[22] != ':' ||
      text.substr(25) != " GMT") {
    return std::nullopt;
  }
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  unsigned month = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (text.substr(8, 3) == kMonths[i]) month = i + 1;
  }
  const auto day = parse_int<unsigned>(text.substr(5, 2));
  const auto year = parse_int<int>(text.substr(12, 4));
  const auto hour = parse_int<int>(text.substr(17, 2));
  const auto minute = parse_int<int>(text.substr(20, 2));
  const auto second = parse_int<int>(text.substr(23, 2));
  if (month == 0 || !day || !year || !hour || !minute || !second || *hour > 23 ||
      *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(month),
                                         std::chrono::day(*day)};
  if (!date.ok()) return std::nullopt;
  return Clock::time_point(std::chrono::sys_days(date)) + std::chrono::hours(*hour) +
         std::chrono::minutes(*minute) + std::chrono::seconds(*second);
}

JsonService::JsonService(const aws::ClientConfig& config, const JsonServiceTraits& traits,
                         RaiseJsonFailure raise, JsonServiceHooks hooks)
    : service_name_(traits.service_id),
      signing_name_(traits.signing_name),
      target_prefix_(traits.target_prefix),
      content_type_(traits.content_type),
      check_crc32_(traits.check_crc32),
      correct_clock_skew_(config.retry.correct_clock_skew),
      raise_(std::move(raise)),
      hooks_(std::move(hooks)) {
  const aws::internal::ResolvedService resolved =
      aws::internal::resolve_service(config, traits.service_id);
  region_ = resolved.region;
  endpoint_ = resolved.endpoint;
  url_ = endpoint_ + "/";
  credentials_ = resolved.credentials;
  transport_ = config.transport ? config.transport : aws::default_transport();
  http_options_ = aws::HttpOptions{
      .connect_timeout = config.connect_timeout,
      .request_timeout = config.request_timeout,
      .verify_tls = config.verify_tls,
  };
  retry_ = std::make_unique<RetryStrategy>(
      make_retry_policy(config.retry, aws::internal::resolve_max_attempts(config),
                        traits.default_max_attempts, traits.default_base_delay),
      hooks_.jitter);
}

JsonService::~JsonService() = default;

Clock::time_point JsonService::now() const {
  const Clock::time_point local = hooks_.now ? hooks_.now() : Clock::now();
  return local + std::chrono::milliseconds(clock_offset_ms_.load(std::memory_order_relaxed));
}

std::chrono::milliseconds JsonService::clock_offset() const noexcept {
  return std::chrono::milliseconds(clock_offset_ms_.load(std::memory_order_relaxed));
}

JsonServiceMetrics JsonService::metrics() const noexcept {
  return JsonServiceMetrics{
      .calls = calls_.load(),
      .attempts = attempts_.load(),
      .retries = retries_.load(),
      .failures = failures_.load(),
      .total_latency = std::chrono::microseconds(latency_us_.load()),
  };
}

bool JsonService::observe_server_date(const aws::HttpResponse& response) const {
  if (!correct_clock_skew_) return false;
  const auto date_header = response.header("Date");
  if (!date_header) return false;
  const auto server_time = parse_http_date(*date_header);
  if (!server_time) return false;
  const Clock::time_point local = hooks_.now ? hooks_.now() : Clock::now();
  const auto corrected = local + clock_offset();
  const auto difference = *server_time - corrected;
  if (difference < kSkewThreshold && difference > -kSkewThreshold) return false;
  const auto offset = std::chrono::duration_cast<std::chrono::milliseconds>(*server_time - local);
  clock_offset_ms_.store(offset.count(), std::memory_order_relaxed);
  return true;
}

std::string JsonService::call(std::string_view operation, std::string body) const {
  const auto started = std::chrono::steady_clock::now();
  calls_.fetch_add(1, std::memory_order_relaxed);
  auto record_latency = [&] {
    latency_us_.fetch_add(std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count(),
                          std::memory_order_relaxed);
  };

  aws::HttpRequest request;
  request.method = "POST";
  request.url = url_;
  request.body = std::move(body);
  BodyWiper wiper{request.body};
  const std::string target = target_prefix_ + "." + std::string(operation);
  // The same id on every attempt lets the service (and logs) tie retries to one call.
  const std::string invocation_id = random_uuid();
  const int max_attempts = retry_->policy().max_attempts;

  int attempt = 0;
  int free_attempts = 0;  // the one re-fetch of expired credentials does not count
  int last_retry_cost = 0;
  JsonCallFailure failure;
  for (;;) {
    ++attempt;
    attempts_.fetch_add(1, std::memory_order_relaxed);
    if (attempt > 1) retries_.fetch_add(1, std::memory_order_relaxed);
    request.headers = {
        {"Content-Type", content_type_},
        {"X-Amz-Target", target},
        {"Accept-Encoding", "identity"},
        {"User-Agent", std::string(kUserAgent)},
        {"amz-sdk-invocation-id", invocation_id},
        {"amz-sdk-request", "attempt=" + std::to_string(attempt - free_attempts) +
                                "; max=" + std::to_string(max_attempts)},
    };
    const aws::Credentials credentials = credentials_->credentials();
    (void)signer_.sign(request, credentials,
                       SigV4Params{.region = region_, .service = signing_name_, .time = now()});

    RetryClass retry_class = RetryClass::kNotRetryable;
    std::optional<std::chrono::milliseconds> retry_after;
    try {
      aws::HttpResponse response = transport_->send(request, http_options_);
      const bool offset_changed = observe_server_date(response);
      std::string request_id;
      if (auto id = response.header("x-amzn-RequestId")) request_id = std::string(*id);
      else if (auto id2 = response.header("x-amz-request-id")) request_id = std::string(*id2);

      std::optional<std::uint32_t> expected_crc;
      if (check_crc32_) {
        if (auto crc = response.header("x-amz-crc32")) expected_crc = parse_int<std::uint32_t>(*crc);
      }
      const bool crc_ok = !expected_crc || *expected_crc == crc32_of(response.body);
      if (!crc_ok) {
        // The body was damaged on the way: whatever it says cannot be trusted, so retry.
        retry_class = RetryClass::kTransient;
        failure.info = AwsErrorInfo{
            .error_code = "CRC32CheckFailed",
            .message = "the response body does not match its x-amz-crc32 checksum",
            .http_status = response.status,
            .request_id = std::move(request_id),
            .retryable = true,
        };
        failure.body.clear();
      } else if (response.status >= 200 && response.status < 300) {
        retry_->on_success(attempt > 1 ? last_retry_cost : 0);
        record_latency();
        return std::move(response.body);
      } else {
        ParsedAwsError parsed = parse_aws_error(response);
        if (parsed.code.empty()) {
          parsed.code = "UnknownError";
          if (parsed.message.empty()) {
            parsed.message = "HTTP " + std::to_string(response.status) +
                             " without an AWS error code";
          }
        }
        if (parsed.code == "ExpiredTokenException" && free_attempts == 0) {
          // The cached session token expired early (revoked or clock drift): fetch new
          // credentials once before giving up (spec §7.9).
          credentials_->invalidate();
          ++free_attempts;
          continue;
        }
        retry_class = classify_error(response.status, parsed.code);
        if (retry_class == RetryClass::kClockSkew && !offset_changed) {
          // Our clock did not move, so the signature itself is wrong: retrying cannot help.
          retry_class = RetryClass::kNotRetryable;
        }
        if (auto hint = response.header("x-amz-retry-after")) {
          if (auto ms = parse_int<std::int64_t>(*hint)) retry_after = std::chrono::milliseconds(*ms);
        }
        failure.info = AwsErrorInfo{
            .error_code = std::move(parsed.code),
            .message = std::move(parsed.message),
            .http_status = response.status,
            .request_id = std::move(request_id),
            .retryable = retry_class != RetryClass::kNotRetryable,
        };
        failure.body = std::move(response.body);
      }
    } catch (const aws::TransportError& e) {
      const bool timeout = e.kind() == aws::TransportErrorKind::kTimeout;
      retry_class = timeout ? RetryClass::kTimeout : RetryClass::kTransient;
      failure.info = AwsErrorInfo{
          .error_code = timeout ? "RequestTimeout" : "NetworkError",
          .message = e.what(),
          .http_status = 0,
          .retryable = true,
      };
      failure.body.clear();
    }

    const RetryStrategy::Decision decision = retry_->decide(retry_class, attempt - free_attempts);
    if (!decision.retry) {
      failure.info.attempts = attempt - free_attempts;
      if (retry_class != RetryClass::kNotRetryable) {
        failure.info.message += failure.info.message.empty() ? "" : "; ";
        failure.info.message += "not retried: " + std::string(decision.reason);
      }
      failures_.fetch_add(1, std::memory_order_relaxed);
      record_latency();
      raise_(std::move(failure));
      throw std::logic_error("JsonService: the raise function returned");
    }
    last_retry_cost = decision.cost;
    const auto delay = retry_->backoff(retry_class, attempt - free_attempts, retry_after);
    if (hooks_.sleep) hooks_.sleep(delay);
    else std::this_thread::sleep_for(delay);
  }
}

}  // namespace ddbcrypt::internal
