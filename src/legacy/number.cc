#include "legacy/number.h"

#include <cstdint>

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal::legacy {
namespace {

// Far beyond DynamoDB's 1E-130 .. 9.99E+125, yet small enough that no plain rendering can
// grow without bound from a short input such as "1e999999999".
constexpr std::int64_t kMaxAbsExponent = 1000;

struct Decimal {
  bool negative = false;
  std::string digits;       // significant digits, no leading or trailing zeros; "" for zero
  std::int64_t exponent = 0;  // value = digits × 10^exponent
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

Decimal parse(std::string_view text) {
  Decimal d;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    d.negative = text[i] == '-';
    ++i;
  }
  std::string coefficient;
  std::int64_t fraction_digits = 0;
  bool seen_point = false;
  bool seen_digit = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (is_digit(c)) {
      seen_digit = true;
      // Leading zeros carry no value; skipping them keeps `coefficient` short.
      if (!(coefficient.empty() && c == '0')) coefficient.push_back(c);
      if (seen_point) ++fraction_digits;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!seen_digit) throw FormatError("invalid number: no digits");
  std::int64_t exponent = 0;
  if (i < text.size()) {
    if (text[i] != 'e' && text[i] != 'E') throw FormatError("invalid number: unexpected character");
    ++i;
    bool exponent_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      exponent_negative = text[i] == '-';
      ++i;
    }
    if (i == text.size()) throw FormatError("invalid number: empty exponent");
    for (; i < text.size(); ++i) {
      if (!is_digit(text[i])) throw FormatError("invalid number: unexpected character");
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (text[i] - '0');
    }
    if (exponent_negative) exponent = -exponent;
  }
  if (coefficient.empty()) return d;  // zero, whatever the exponent
  exponent -= fraction_digits;
  std::size_t end = coefficient.size();
  while (coefficient[end - 1] == '0') {
    --end;
    ++exponent;
  }
  coefficient.resize(end);
  const auto adjusted = exponent + static_cast<std::int64_t>(coefficient.size()) - 1;
  if (adjusted > kMaxAbsExponent || adjusted < -kMaxAbsExponent) {
    throw FormatError("invalid number: exponent out of range");
  }
  d.digits = std::move(coefficient);
  d.exponent = exponent;
  return d;
}

// Python's Decimal.normalize() in the default context: round half-even to 28 significant
// digits, then drop the trailing zeros the rounding may have produced.
void round_like_python(Decimal& d) {
  if (d.digits.size() <= kPythonPrecision) return;
  const char first_dropped = d.digits[kPythonPrecision];
  bool rest_nonzero = false;
  for (std::size_t i = kPythonPrecision + 1; i < d.digits.size(); ++i) {
    if (d.digits[i] != '0') {
      rest_nonzero = true;
      break;
    }
  }
  const bool last_kept_odd = (d.digits[kPythonPrecision - 1] - '0') % 2 == 1;
  const bool round_up = first_dropped > '5' ||
                        (first_dropped == '5' && (rest_nonzero || last_kept_odd));
  d.exponent += static_cast<std::int64_t>(d.digits.size() - kPythonPrecision);
  d.digits.resize(kPythonPrecision);
  if (round_up) {
    std::size_t i = d.digits.size();
    while (i > 0 && d.digits[i - 1] == '9') {
      d.digits[i - 1] = '0';
      --i;
    }
    if (i == 0) {
      d.digits.insert(d.digits.begin(), '1');
    } else {
      ++d.digits[i - 1];
    }
  }
  std::size_t end = d.digits.size();
  while (d.digits[end - 1] == '0') {
    --end;
    ++d.exponent;
  }
  d.digits.resize(end);
}

void append_plain(std::string& out, const Decimal& d, NumberDialect dialect) {
  if (d.digits.empty()) {
    out += (dialect == NumberDialect::kPython && d.negative) ? "-0" : "0";
    return;
  }
  if (d.negative) out.push_back('-');
  const auto n = static_cast<std::int64_t>(d.digits.size());
  if (d.exponent >= 0) {
    out += d.digits;
    out.append(static_cast<std::size_t>(d.exponent), '0');
    return;
  }
  const std::int64_t point = n + d.exponent;  // digits before the decimal point
  if (point > 0) {
    out.append(d.digits, 0, static_cast<std::size_t>(point));
    out.push_back('.');
    out.append(d.digits, static_cast<std::size_t>(point));
  } else {
    out += "0.";
    out.append(static_cast<std::size_t>(-point), '0');
    out += d.digits;
  }
}

}  // namespace

void append_normalized_number(std::string& out, std::string_view text, NumberDialect dialect) {
  Decimal d = parse(text);
  if (dialect == NumberDialect::kPython) round_like_python(d);
  append_plain(out, d, dialect);
}

std::string normalize_number(std::string_view text, NumberDialect dialect) {
  std::string out;
  append_normalized_number(out, text, dialect);
  return out;
}

bool is_dialect_sensitive(std::string_view text) {
  const Decimal d = parse(text);
  return (d.digits.empty() && d.negative) || d.digits.size() > kPythonPrecision;
}

}  // namespace ddbcrypt::internal::legacy
