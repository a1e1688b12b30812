// Exact decimal numbers for DynamoDB N values, read in place from their text: validation,
// comparison and integer conversion without allocating and never through double.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ddbcrypt::internal {

// A view of a decimal number text: optional sign, digits with an optional fraction (".5" and
// "5." are accepted, as Python's Decimal and Java's BigDecimal accept them), optional
// exponent. It borrows the text, which must outlive it.
class DecimalView {
 public:
  // Largest exponent accepted by the grammar; anything beyond cannot be a DynamoDB number
  // and would only make the arithmetic below overflow.
  static constexpr std::int64_t kMaxExponentMagnitude = 1'000'000;

  // Throws FormatError naming the broken rule (never echoing the text).
  static DecimalView parse(std::string_view text);
  // As parse, plus DynamoDB's limits: at most 38 significant digits, magnitude between
  // 1E-130 and 9.99…E+125 (or zero).
  static DecimalView parse_dynamodb(std::string_view text);

  bool is_zero() const noexcept { return digit_count_ == 0; }
  // Set also for "-0"; zeros compare equal regardless.
  bool negative() const noexcept { return negative_; }
  // Number of significant digits (no leading or trailing zeros); 0 for zero.
  std::size_t digit_count() const noexcept { return digit_count_; }
  // Exponent of the first significant digit in scientific notation (12.5 -> 1).
  std::int64_t adjusted_exponent() const noexcept { return adjusted_; }

  // The significant digits, "" for zero.
  std::string digits() const;

  // Integer value when the number is integral and fits.
  std::optional<std::int64_t> to_int64() const noexcept;
  std::optional<std::uint64_t> to_uint64() const noexcept;

  // <0, 0, >0 by numeric value.
  int compare(const DecimalView& other) const noexcept;
  friend bool operator==(const DecimalView& a, const DecimalView& b) noexcept {
    return a.compare(b) == 0;
  }
  friend bool operator<(const DecimalView& a, const DecimalView& b) noexcept {
    return a.compare(b) < 0;
  }

 private:
  // Calls f(char) for each significant digit, skipping the decimal point.
  template <class F>
  void for_each_digit(F&& f) const {
    for (std::size_t i = first_; i <= last_; ++i) {
      if (text_[i] != '.') f(text_[i]);
    }
  }
  // Magnitude comparison of two non-zero numbers.
  int compare_magnitude(const DecimalView& other) const noexcept;
  // |value| as an unsigned integer, when integral and below 2^64.
  std::optional<std::uint64_t> magnitude_u64() const noexcept;

  std::string_view text_;
  bool negative_ = false;
  std::size_t first_ = 0;  // index of the first significant digit in text_
  std::size_t last_ = 0;   // index of the last significant digit in text_
  std::size_t digit_count_ = 0;
  std::int64_t adjusted_ = 0;
};

// The same number with its significant digits copied out, for code that keeps or prints a
// normalized form (value = digits × 10^exponent). Prefer DecimalView where a view will do.
class Decimal {
 public:
  // As DecimalView::parse / parse_dynamodb. Throw FormatError.
  static Decimal parse(std::string_view text);
  static Decimal parse_dynamodb(std::string_view text);

  bool is_zero() const noexcept { return digits_.empty(); }
  bool negative() const noexcept { return negative_; }  // also set for "-0"
  // Significant digits without leading or trailing zeros ("" for zero).
  const std::string& digits() const noexcept { return digits_; }
  // value = digits × 10^exponent (0 for zero).
  std::int64_t exponent() const noexcept { return exponent_; }

  // Plain notation without exponent, trailing fractional zeros or leading zeros; zero is "0"
  // and, when `keep_negative_zero`, "-0" for a negative zero (Python's behaviour).
  std::string to_plain_string(bool keep_negative_zero = false) const;
  std::optional<std::int64_t> to_int64() const;

  friend bool operator==(const Decimal& a, const Decimal& b) noexcept;
  friend bool operator<(const Decimal& a, const Decimal& b) noexcept;

 private:
  explicit Decimal(const DecimalView& view);

  bool negative_ = false;
  std::string digits_;
  std::int64_t exponent_ = 0;
};

// The double nearest to a valid number text. Throws FormatError if it is not a number.
double number_to_double(std::string_view number_text);

// Shortest text that reads back as the same double. Throws FormatError for NaN and
// infinities.
std::string double_to_text(double value);
std::string float_to_text(float value);

// Rewrites a valid number text as a JSON number with the same value and, where JSON allows,
// the same spelling: drops a '+' sign and surplus leading zeros, adds the "0" JSON needs
// before a bare fraction and drops a trailing '.'.
void append_json_number(std::string& out, std::string_view number_text);

}  // namespace ddbcrypt::internal
