// Exact decimal numbers for DynamoDB N values: parsing, validation, comparison and the
// plain-notation canonical form the legacy format signs (spec/legacy-item-format.md §5.3).
// Never goes through double.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ddbcrypt::internal {

class Decimal {
 public:
  // Any decimal text: optional sign, digits with an optional fraction, optional exponent.
  // Throws FormatError.
  static Decimal parse(std::string_view text);
  // As parse, plus DynamoDB's limits: at most 38 significant digits, magnitude between
  // 1E-130 and 9.99…E+125. Throws FormatError.
  static Decimal parse_dynamodb(std::string_view text);

  bool is_zero() const noexcept { return digits_.empty(); }
  bool negative() const noexcept { return negative_; }
  // Significant digits without leading or trailing zeros ("" for zero).
  const std::string& digits() const noexcept { return digits_; }
  // value = digits × 10^exponent.
  std::int64_t exponent() const noexcept { return exponent_; }

  // Plain notation without exponent, trailing fractional zeros or leading zeros; zero is "0"
  // and, when `keep_negative_zero`, "-0" for a negative zero (Python's behaviour).
  std::string to_plain_string(bool keep_negative_zero = false) const;
  std::optional<std::int64_t> to_int64() const;

  friend bool operator==(const Decimal& a, const Decimal& b) noexcept;
  friend bool operator<(const Decimal& a, const Decimal& b) noexcept;

 private:
  bool negative_ = false;  // also set for "-0"; zeros compare equal regardless
  std::string digits_;
  std::int64_t exponent_ = 0;
};

}  // namespace ddbcrypt::internal
