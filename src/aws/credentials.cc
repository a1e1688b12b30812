#include <simdjson.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <random>
#include <utility>

#include "aws/credentials_providers.h"
#include "ddbcrypt/aws/credentials.h"
#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/secret_bytes.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::aws {
namespace {

class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials credentials)
      : credentials_(std::move(credentials)) {}
  Credentials credentials() const override { return credentials_; }

 private:
  const Credentials credentials_;
};

}  // namespace

std::shared_ptr<CredentialsProvider> make_static_credentials_provider(Credentials credentials) {
  if (credentials.access_key_id().empty()) {
    throw ConfigError("static AWS credentials need an access key id");
  }
  if (credentials.secret_access_key().empty()) {
    throw ConfigError("static AWS credentials need a secret access key");
  }
  if (credentials.source().empty()) credentials = credentials.with_source("static credentials");
  return std::make_shared<StaticCredentialsProvider>(std::move(credentials));
}

}  // namespace ddbcrypt::aws

namespace ddbcrypt::aws::internal {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

// Reads exactly `n` digits at `pos`; -1 when they are not all digits.
int read_digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

Clock system_clock() {
  return [] { return std::chrono::system_clock::now(); };
}

std::optional<TimePoint> parse_iso8601(std::string_view s) {
  // YYYY-MM-DDThh:mm:ss[.fff...](Z|+hh:mm|-hh:mm|+hhmm|-hhmm)
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  const int year = read_digits(s, 0, 4);
  const int month = read_digits(s, 5, 2);
  const int day = read_digits(s, 8, 2);
  const int hour = read_digits(s, 11, 2);
  const int minute = read_digits(s, 14, 2);
  const int second = read_digits(s, 17, 2);
  if (year < 0 || month < 1 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;

  std::size_t pos = 19;
  std::chrono::nanoseconds fraction{0};
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    std::int64_t nanos = 0;
    std::int64_t scale = 100000000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      nanos += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
    fraction = std::chrono::nanoseconds(nanos);
  }
  std::chrono::minutes offset{0};
  if (pos >= s.size()) return std::nullopt;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    const int sign = s[pos] == '-' ? -1 : 1;
    const int oh = read_digits(s, pos + 1, 2);
    std::size_t mpos = pos + 3;
    if (mpos < s.size() && s[mpos] == ':') ++mpos;
    const int om = read_digits(s, mpos, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
    offset = std::chrono::minutes(sign * (oh * 60 + om));
    pos = mpos + 2;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;

  const auto midnight = std::chrono::sys_days(date);
  const auto local = midnight + std::chrono::hours(hour) + std::chrono::minutes(minute) +
                     std::chrono::seconds(second) + fraction;
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(local - offset);
}

void wipe(std::string& text) noexcept {
  if (!text.empty()) detail::secure_wipe(text.data(), text.size());
  text.clear();
}

CredentialsDocument parse_credentials_document(std::string_view json,
                                               std::string_view token_member,
                                               std::string_view origin) {
  simdjson::padded_string padded(json);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  auto fail = [&](const std::string& what) -> ConfigError {
    detail::secure_wipe(padded.data(), padded.size());
    return ConfigError(std::string(origin) + ": " + what);
  };
  if (parser.parse(padded).get(root) != simdjson::SUCCESS || !root.is_object()) {
    throw fail("the response is not a JSON object");
  }
  auto get_string = [&](std::string_view member) -> std::optional<std::string_view> {
    simdjson::dom::element value;
    if (root[member].get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
    std::string_view text;
    if (value.get(text) != simdjson::SUCCESS) {
      throw fail("member " + std::string(member) + " is not a string");
    }
    return text;
  };

  CredentialsDocument doc;
  simdjson::dom::element version;
  if (root["Version"].get(version) == simdjson::SUCCESS) {
    std::int64_t v = 0;
    if (version.get(v) != simdjson::SUCCESS) throw fail("member Version is not an integer");
    doc.version = v;
  }
  if (auto code = get_string("Code")) doc.code = std::string(*code);

  const auto key_id = get_string("AccessKeyId");
  const auto secret = get_string("SecretAccessKey");
  const auto token = get_string(token_member);
  const auto expiration_text = get_string("Expiration");
  std::optional<TimePoint> expiration;
  if (expiration_text && !expiration_text->empty()) {
    expiration = parse_iso8601(*expiration_text);
    if (!expiration) throw fail("member Expiration is not an ISO-8601 date-time");
  }
  if (!key_id || key_id->empty()) {
    doc.missing = "AccessKeyId";
  } else if (!secret || secret->empty()) {
    doc.missing = "SecretAccessKey";
  } else {
    std::optional<std::string> session_token;
    if (token && !token->empty()) session_token = std::string(*token);
    doc.credentials.emplace(std::string(*key_id), SecretBytes::copy_of(as_bytes(*secret)),
                            std::move(session_token), expiration);
  }
  detail::secure_wipe(padded.data(), padded.size());
  return doc;
}

// ---- RefreshingCredentialsProvider -----------------------------------------------------

struct RefreshingCredentialsProvider::State {
  std::mutex mutex;
  std::condition_variable refreshed;  // signalled when a refresh ends
  std::optional<Credentials> cached;  // guarded by mutex
  bool refreshing = false;            // guarded by mutex: a fetch is in flight
  bool stale = false;                 // guarded by mutex: invalidate() was called
  std::uint64_t generation = 0;       // guarded by mutex: counts finished refreshes
  std::exception_ptr last_error;      // guarded by mutex: the latest refresh's failure
  TimePoint next_attempt{};           // guarded by mutex: no retry before this
  std::minstd_rand rng{std::random_device{}()};  // guarded by mutex
};

RefreshingCredentialsProvider::RefreshingCredentialsProvider(std::string name, Fetch fetch,
                                                             RefreshOptions options)
    : name_(std::move(name)),
      fetch_(std::move(fetch)),
      options_(std::move(options)),
      state_(std::make_unique<State>()) {
  if (!options_.clock) options_.clock = system_clock();
}

RefreshingCredentialsProvider::~RefreshingCredentialsProvider() = default;

void RefreshingCredentialsProvider::invalidate() const {
  std::lock_guard lock(state_->mutex);
  // Credentials without an expiry come from a source that cannot give others.
  if (state_->cached && state_->cached->expiration()) {
    state_->stale = true;
    state_->next_attempt = {};
  }
}

Credentials RefreshingCredentialsProvider::credentials() const {
  State& s = *state_;
  std::unique_lock lock(s.mutex);
  bool waited = false;
  for (;;) {
    const TimePoint now = options_.clock();
    const bool has = s.cached.has_value();
    const std::optional<TimePoint> expiry = has ? s.cached->expiration() : std::nullopt;
    if (has && !s.stale && (!expiry || now < *expiry - options_.advisory_window)) {
      return *s.cached;
    }
    if (options_.static_stability && has && now < s.next_attempt) return *s.cached;
    const bool mandatory =
        !has || s.stale || (expiry && now >= *expiry - options_.mandatory_window);
    if (!mandatory && now < s.next_attempt) return *s.cached;
    if (s.refreshing) {
      if (!mandatory) return *s.cached;  // still valid while someone else refreshes
      const std::uint64_t generation = s.generation;
      s.refreshed.wait(lock, [&] { return s.generation != generation; });
      waited = true;
      continue;
    }
    if (waited && s.last_error) std::rethrow_exception(s.last_error);

    s.refreshing = true;
    lock.unlock();
    std::optional<Credentials> fresh;
    std::exception_ptr error;
    try {
      fresh.emplace(fetch_());
    } catch (const Error&) {
      error = std::current_exception();
    } catch (const std::exception& e) {
      error = std::make_exception_ptr(ConfigError(name_ + " failed: " + e.what()));
    }
    lock.lock();
    s.refreshing = false;
    ++s.generation;
    s.refreshed.notify_all();
    const TimePoint after = options_.clock();
    const auto stability_delay = [&] {
      std::uniform_int_distribution<std::int64_t> jitter(0, options_.static_stability_delay.count());
      return options_.static_stability_delay + std::chrono::seconds(jitter(s.rng));
    };

    if (fresh && fresh->expiration() && *fresh->expiration() <= after) {
      if (options_.static_stability) {
        if (!s.cached) s.cached = std::move(fresh);
        s.last_error = nullptr;
        s.next_attempt = after + stability_delay();
        return *s.cached;
      }
      error = std::make_exception_ptr(
          ConfigError(name_ + " returned credentials that have already expired"));
      fresh.reset();
    }
    if (fresh) {
      s.cached = std::move(fresh);
      s.stale = false;
      s.last_error = nullptr;
      s.next_attempt = {};
      return *s.cached;
    }
    s.last_error = error;
    if (s.cached && options_.static_stability) {
      s.next_attempt = after + stability_delay();
      return *s.cached;
    }
    if (s.cached && !mandatory) {
      s.next_attempt = after + options_.advisory_retry_delay;
      return *s.cached;
    }
    std::rethrow_exception(error);
  }
}

}  // namespace ddbcrypt::aws::internal
