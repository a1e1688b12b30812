#include "ddbcrypt/model/attribute_codec.h"

#include <cxxabi.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <typeinfo>

#include "ddbcrypt/error.h"
#include "ddbcrypt/model/schema.h"
#include "item/decimal.h"

namespace ddbcrypt::model::detail {
namespace {

using std::chrono::days;
using std::chrono::duration_cast;
using std::chrono::floor;
using std::chrono::microseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// Python's datetime range, which pydynox's readers are bound by.
constexpr int kMinYear = 1;
constexpr int kMaxYear = 9999;
// system_clock counts nanoseconds in 64 bits: about ±292 years around 1970.
constexpr std::int64_t kMaxEpochSeconds = 9'000'000'000;

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

[[noreturn]] void bad_time(const char* why) {
  throw FormatError(std::string("not an ISO 8601 date-time: ") + why);
}

}  // namespace

std::string format_iso8601(TimePoint t) {
  const auto micros = floor<microseconds>(t);
  const auto day = floor<days>(micros);
  const std::chrono::year_month_day ymd{std::chrono::sys_days(day)};
  const int year = static_cast<int>(ymd.year());
  if (year < kMinYear || year > kMaxYear) {
    throw FormatError("time point outside the years 1..9999 cannot be stored in ISO 8601 form");
  }
  const std::chrono::hh_mm_ss<microseconds> time{micros - day};
  char text[40];
  const long fraction = static_cast<long>(time.subseconds().count());
  // Python's isoformat(): microseconds only when not zero.
  if (fraction != 0) {
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%06ld+00:00", year,
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                  static_cast<long>(time.seconds().count()), fraction);
  } else {
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02ld+00:00", year,
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                  static_cast<long>(time.seconds().count()));
  }
  return text;
}

TimePoint parse_iso8601(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != ' ') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
      !digits(s, 17, 2, second)) {
    bad_time("expected YYYY-MM-DDTHH:MM:SS");
  }
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok() || year < kMinYear || hour > 23 || minute > 59 || second > 59) {
    bad_time("date or time out of range");
  }
  std::size_t i = 19;
  nanoseconds fraction{0};
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::int64_t value = 0;
    std::size_t count = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (count == 9) bad_time("more than 9 fraction digits");
      value = value * 10 + (s[i] - '0');
      ++count;
      ++i;
    }
    if (count == 0) bad_time("empty fraction");
    for (std::size_t k = count; k < 9; ++k) value *= 10;
    fraction = nanoseconds(value);
  }
  seconds offset{0};
  if (i < s.size()) {
    if (s[i] == 'Z' && i + 1 == s.size()) {
      ++i;
    } else if ((s[i] == '+' || s[i] == '-') && s.size() == i + 6 && s[i + 3] == ':') {
      int oh = 0, om = 0;
      if (!digits(s, i + 1, 2, oh) || !digits(s, i + 4, 2, om) || oh > 23 || om > 59) {
        bad_time("bad UTC offset");
      }
      offset = std::chrono::hours(oh) + std::chrono::minutes(om);
      if (s[i] == '-') offset = -offset;
      i = s.size();
    } else {
      bad_time("expected 'Z' or a ±HH:MM offset");
    }
  }
  // No offset: UTC, as pydynox treats naive datetimes.
  const auto local = std::chrono::sys_days(ymd) + std::chrono::hours(hour) +
                     std::chrono::minutes(minute) + seconds(second);
  return TimePoint(duration_cast<TimePoint::duration>((local - offset).time_since_epoch() + fraction));
}

std::string format_epoch_seconds(TimePoint t) {
  // Toward zero, as pydynox's int(dt.timestamp()).
  return std::to_string(duration_cast<seconds>(t.time_since_epoch()).count());
}

TimePoint parse_epoch_seconds(const std::string& number_text) {
  const auto view = internal::DecimalView::parse(number_text);
  if (view.adjusted_exponent() > 10) throw FormatError("epoch seconds out of range for a time point");
  if (auto whole = view.to_int64()) {
    if (*whole > kMaxEpochSeconds || *whole < -kMaxEpochSeconds) {
      throw FormatError("epoch seconds out of range for a time point");
    }
    return TimePoint(duration_cast<TimePoint::duration>(seconds(*whole)));
  }
  // A fraction (written by some other client): kept to the microsecond.
  const double value = ddbcrypt::detail::number_to_double(number_text);
  const auto micros = static_cast<std::int64_t>(value * 1e6);
  return TimePoint(duration_cast<TimePoint::duration>(microseconds(micros)));
}

std::string demangled_type_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> name(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), &std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type.name());
}

}  // namespace ddbcrypt::model::detail
