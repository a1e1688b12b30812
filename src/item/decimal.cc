#include "item/decimal.h"

#include <limits>

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

constexpr std::size_t kMaxDynamoDbDigits = 38;
constexpr std::int64_t kMinAdjustedExponent = -130;
constexpr std::int64_t kMaxAdjustedExponent = 125;
// Exponents beyond this are rejected early; they cannot be DynamoDB numbers and would make
// plain notation absurdly long.
constexpr std::int64_t kMaxExponentMagnitude = 100000;

[[noreturn]] void invalid() { throw FormatError("invalid number: not a decimal number"); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Decimal Decimal::parse(std::string_view text) {
  Decimal d;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    d.negative_ = text[i] == '-';
    ++i;
  }
  std::string all_digits;
  std::int64_t fraction_digits = 0;
  bool any_digit = false;
  while (i < text.size() && is_digit(text[i])) {
    all_digits.push_back(text[i++]);
    any_digit = true;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) {
      all_digits.push_back(text[i++]);
      ++fraction_digits;
      any_digit = true;
    }
  }
  if (!any_digit) invalid();
  std::int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      exponent_negative = text[i] == '-';
      ++i;
    }
    if (i == text.size()) invalid();
    while (i < text.size() && is_digit(text[i])) {
      exponent = exponent * 10 + (text[i++] - '0');
      if (exponent > kMaxExponentMagnitude) throw FormatError("invalid number: exponent too large");
    }
    if (exponent_negative) exponent = -exponent;
  }
  if (i != text.size()) invalid();

  // Strip leading zeros, then trailing zeros into the exponent.
  std::size_t first = all_digits.find_first_not_of('0');
  if (first == std::string::npos) {
    d.digits_.clear();
    d.exponent_ = 0;
    return d;
  }
  std::size_t last = all_digits.find_last_not_of('0');
  d.digits_ = all_digits.substr(first, last - first + 1);
  d.exponent_ = exponent - fraction_digits + static_cast<std::int64_t>(all_digits.size() - 1 - last);
  return d;
}

Decimal Decimal::parse_dynamodb(std::string_view text) {
  Decimal d = parse(text);
  if (d.is_zero()) return d;
  if (d.digits_.size() > kMaxDynamoDbDigits) {
    throw FormatError("invalid number: more than 38 significant digits");
  }
  const std::int64_t adjusted = d.exponent_ + static_cast<std::int64_t>(d.digits_.size()) - 1;
  if (adjusted < kMinAdjustedExponent || adjusted > kMaxAdjustedExponent) {
    throw FormatError("invalid number: magnitude outside DynamoDB's range");
  }
  return d;
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
  if (is_zero()) return 0;
  if (exponent_ < 0 || exponent_ + static_cast<std::int64_t>(digits_.size()) > 19) {
    return std::nullopt;
  }
  // Accumulate as a negative number so INT64_MIN fits.
  std::int64_t value = 0;
  std::string all = digits_ + std::string(static_cast<std::size_t>(exponent_), '0');
  for (char c : all) {
    const int digit = c - '0';
    if (value < (std::numeric_limits<std::int64_t>::min() + digit) / 10) return std::nullopt;
    value = value * 10 - digit;
  }
  if (!negative_) {
    if (value == std::numeric_limits<std::int64_t>::min()) return std::nullopt;
    value = -value;
  }
  return value;
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
  // Compare magnitudes: by adjusted exponent, then digit by digit.
  const std::int64_t ea = a.exponent_ + static_cast<std::int64_t>(a.digits_.size());
  const std::int64_t eb = b.exponent_ + static_cast<std::int64_t>(b.digits_.size());
  int magnitude = 0;
  if (ea != eb) {
    magnitude = ea < eb ? -1 : 1;
  } else {
    const int c = a.digits_.compare(b.digits_);  // same leading position: lexicographic works
    magnitude = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return sa > 0 ? magnitude < 0 : magnitude > 0;
}

}  // namespace ddbcrypt::internal
