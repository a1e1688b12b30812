#include "item/decimal.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

constexpr std::size_t kMaxDynamoDbDigits = 38;
constexpr std::int64_t kMinAdjustedExponent = -130;
constexpr std::int64_t kMaxAdjustedExponent = 125;

[[noreturn]] void invalid() { throw FormatError("invalid number: not a decimal number"); }

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

DecimalView DecimalView::parse(std::string_view text) {
  DecimalView d;
  d.text_ = text;
  const std::size_t n = text.size();
  std::size_t i = 0;
  if (i < n && (text[i] == '+' || text[i] == '-')) {
    d.negative_ = text[i] == '-';
    ++i;
  }
  const std::size_t int_begin = i;
  while (i < n && is_digit(text[i])) ++i;
  const std::size_t int_end = i;
  std::size_t frac_begin = i;
  std::size_t frac_end = i;
  if (i < n && text[i] == '.') {
    frac_begin = ++i;
    while (i < n && is_digit(text[i])) ++i;
    frac_end = i;
  }
  if (int_end == int_begin && frac_end == frac_begin) invalid();

  std::int64_t exponent = 0;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
      exponent_negative = text[i] == '-';
      ++i;
    }
    const std::size_t exponent_begin = i;
    while (i < n && is_digit(text[i])) {
      // Stop accumulating once out of range (so no overflow) but keep checking the grammar.
      if (exponent <= kMaxExponentMagnitude) exponent = exponent * 10 + (text[i] - '0');
      ++i;
    }
    if (i == exponent_begin) invalid();
    if (exponent > kMaxExponentMagnitude) throw FormatError("invalid number: exponent too large");
    if (exponent_negative) exponent = -exponent;
  }
  if (i != n) invalid();

  // Power of ten of the digit at index j (the digits run contiguously across the point).
  auto power = [&](std::size_t j) -> std::int64_t {
    return j < int_end ? static_cast<std::int64_t>(int_end - 1 - j)
                       : static_cast<std::int64_t>(frac_begin) - 1 - static_cast<std::int64_t>(j);
  };
  std::size_t first = int_begin;
  while (first < frac_end && (text[first] == '0' || text[first] == '.')) ++first;
  if (first == frac_end) return d;  // zero
  std::size_t last = frac_end - 1;
  while (text[last] == '0' || text[last] == '.') --last;
  d.first_ = first;
  d.last_ = last;
  d.digit_count_ = static_cast<std::size_t>(power(first) - power(last) + 1);
  d.adjusted_ = power(first) + exponent;
  return d;
}

DecimalView DecimalView::parse_dynamodb(std::string_view text) {
  DecimalView d = parse(text);
  if (d.is_zero()) return d;
  if (d.digit_count_ > kMaxDynamoDbDigits) {
    throw FormatError("invalid number: more than 38 significant digits");
  }
  if (d.adjusted_ < kMinAdjustedExponent || d.adjusted_ > kMaxAdjustedExponent) {
    throw FormatError("invalid number: magnitude outside DynamoDB's range");
  }
  return d;
}

std::string DecimalView::digits() const {
  std::string out;
  if (is_zero()) return out;
  out.reserve(digit_count_);
  for_each_digit([&out](char c) { out.push_back(c); });
  return out;
}

int DecimalView::compare_magnitude(const DecimalView& other) const noexcept {
  if (adjusted_ != other.adjusted_) return adjusted_ < other.adjusted_ ? -1 : 1;
  std::size_t i = first_;
  std::size_t j = other.first_;
  while (true) {
    if (i <= last_ && text_[i] == '.') ++i;
    if (j <= other.last_ && other.text_[j] == '.') ++j;
    const bool a_done = i > last_;
    const bool b_done = j > other.last_;
    // The last significant digit is non-zero, so the longer sequence is the larger number.
    if (a_done || b_done) return a_done == b_done ? 0 : (a_done ? -1 : 1);
    if (text_[i] != other.text_[j]) return text_[i] < other.text_[j] ? -1 : 1;
    ++i;
    ++j;
  }
}

int DecimalView::compare(const DecimalView& other) const noexcept {
  const int sa = is_zero() ? 0 : (negative_ ? -1 : 1);
  const int sb = other.is_zero() ? 0 : (other.negative_ ? -1 : 1);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  const int magnitude = compare_magnitude(other);
  return sa > 0 ? magnitude : -magnitude;
}

std::optional<std::uint64_t> DecimalView::magnitude_u64() const noexcept {
  if (is_zero()) return 0;
  const std::int64_t trailing_power = adjusted_ - static_cast<std::int64_t>(digit_count_) + 1;
  // 10^20 exceeds 2^64.
  if (trailing_power < 0 || adjusted_ >= 20) return std::nullopt;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t value = 0;
  bool overflow = false;
  auto push = [&](unsigned digit) {
    if (value > (kMax - digit) / 10) overflow = true;
    value = value * 10 + digit;
  };
  for_each_digit([&](char c) {
    if (!overflow) push(static_cast<unsigned>(c - '0'));
  });
  for (std::int64_t k = 0; k < trailing_power && !overflow; ++k) push(0);
  if (overflow) return std::nullopt;
  return value;
}

std::optional<std::int64_t> DecimalView::to_int64() const noexcept {
  const auto magnitude = magnitude_u64();
  if (!magnitude) return std::nullopt;
  constexpr auto kMaxPositive =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (negative_) {
    if (*magnitude > kMaxPositive + 1) return std::nullopt;
    // Two's complement negation, well defined for unsigned and exact for INT64_MIN.
    return static_cast<std::int64_t>(~*magnitude + 1);
  }
  if (*magnitude > kMaxPositive) return std::nullopt;
  return static_cast<std::int64_t>(*magnitude);
}

std::optional<std::uint64_t> DecimalView::to_uint64() const noexcept {
  if (negative_ && !is_zero()) return std::nullopt;
  return magnitude_u64();
}

Decimal::Decimal(const DecimalView& view)
    : negative_(view.negative()),
      digits_(view.digits()),
      exponent_(view.is_zero() ? 0
                               : view.adjusted_exponent() -
                                     static_cast<std::int64_t>(view.digit_count()) + 1) {}

Decimal Decimal::parse(std::string_view text) { return Decimal(DecimalView::parse(text)); }

Decimal Decimal::parse_dynamodb(std::string_view text) {
  return Decimal(DecimalView::parse_dynamodb(text));
}

std::string Decimal::to_plain_string(bool keep_negative_zero) const {
  if (is_zero()) return (negative_ && keep_negative_zero) ? "-0" : "0";
  std::string out;
  if (negative_) out.push_back('-');
  const auto n = static_cast<std::int64_t>(digits_.size());
  if (exponent_ >= 0) {
    out += digits_;
    out.append(static_cast<std::size_t>(exponent_), '0');
  } else if (-exponent_ < n) {
    const auto int_len = static_cast<std::size_t>(n + exponent_);
    out.append(digits_, 0, int_len);
    out.push_back('.');
    out.append(digits_, int_len, std::string::npos);
  } else {
    out += "0.";
    out.append(static_cast<std::size_t>(-exponent_ - n), '0');
    out += digits_;
  }
  return out;
}

std::optional<std::int64_t> Decimal::to_int64() const {
  return DecimalView::parse(to_plain_string()).to_int64();
}

bool operator==(const Decimal& a, const Decimal& b) noexcept {
  if (a.is_zero() || b.is_zero()) return a.is_zero() && b.is_zero();
  return a.negative_ == b.negative_ && a.digits_ == b.digits_ && a.exponent_ == b.exponent_;
}

bool operator<(const Decimal& a, const Decimal& b) noexcept {
  const int sa = a.is_zero() ? 0 : (a.negative_ ? -1 : 1);
  const int sb = b.is_zero() ? 0 : (b.negative_ ? -1 : 1);
  if (sa != sb) return sa < sb;
  if (sa == 0) return false;
  // Magnitudes: by the position of the leading digit, then digit by digit.
  const auto lead_a = a.exponent_ + static_cast<std::int64_t>(a.digits_.size());
  const auto lead_b = b.exponent_ + static_cast<std::int64_t>(b.digits_.size());
  int magnitude = 0;
  if (lead_a != lead_b) {
    magnitude = lead_a < lead_b ? -1 : 1;
  } else {
    const int c = a.digits_.compare(b.digits_);
    magnitude = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return sa > 0 ? magnitude < 0 : magnitude > 0;
}

double number_to_double(std::string_view text) {
  // from_chars follows strtod's grammar minus the leading '+', which DynamoDB allows.
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double out = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw FormatError("number is not representable as a double");
  }
  return out;
}

namespace {
template <class F>
std::string shortest_text(F value) {
  if (!std::isfinite(value)) throw FormatError("NaN and infinity are not DynamoDB numbers");
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}
}  // namespace

std::string double_to_text(double value) { return shortest_text(value); }
std::string float_to_text(float value) { return shortest_text(value); }

void append_json_number(std::string& out, std::string_view text) {
  const std::size_t n = text.size();
  std::size_t i = 0;
  if (i < n && (text[i] == '+' || text[i] == '-')) {
    if (text[i] == '-') out.push_back('-');
    ++i;
  }
  const std::size_t int_begin = i;
  while (i < n && is_digit(text[i])) ++i;
  std::size_t int_start = int_begin;
  while (int_start + 1 < i && text[int_start] == '0') ++int_start;
  if (int_start == i) {
    out.push_back('0');
  } else {
    out.append(text.substr(int_start, i - int_start));
  }
  if (i < n && text[i] == '.') {
    const std::size_t frac_begin = ++i;
    while (i < n && is_digit(text[i])) ++i;
    if (i > frac_begin) {
      out.push_back('.');
      out.append(text.substr(frac_begin, i - frac_begin));
    }
  }
  out.append(text.substr(i));  // the exponent, which JSON accepts as DynamoDB spells it
}

}  // namespace ddbcrypt::internal
