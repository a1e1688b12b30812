// Exact-decimal normalization of DynamoDB numbers for the legacy format (spec §5.3). Numbers
// never go through double: the canonical text is computed digit by digit.
//
// The two reference libraries agree on every number with at most 28 significant digits that
// is not a negative zero. They differ on the rest (spec §14 D5):
//   * Java (BigDecimal.stripTrailingZeros().toPlainString()) is exact and prints any zero as
//     "0";
//   * Python (Decimal.normalize() in the default 28-digit context) rounds to 28 significant
//     digits, half-even, and prints a negative zero as "-0".
// ddbcrypt signs with the exact form, refuses to sign (SIGN_ONLY) numbers on which the two
// differ, and when verifying an item written by someone else retries with the Python form
// if the exact form does not verify (see src/encryptor/item_encryptor.cc and
// docs/legacy-format-notes.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ddbcrypt::internal::legacy {

enum class NumberDialect : std::uint8_t {
  kExact = 0,   // Java; also Python for every number where they agree
  kPython = 1,  // 28-digit half-even rounding, "-0" kept
};

// Significant digits beyond which Python rounds.
inline constexpr std::size_t kPythonPrecision = 28;

// The canonical plain decimal form of `text` (an optional sign, digits with an optional
// fraction, an optional exponent). Throws FormatError for text that is not a number or whose
// exponent puts it far outside DynamoDB's range.
[[nodiscard]] std::string normalize_number(std::string_view text,
                                           NumberDialect dialect = NumberDialect::kExact);

// Appends the canonical form to `out` (avoids a temporary string in the serializer).
void append_normalized_number(std::string& out, std::string_view text, NumberDialect dialect);

// True when Java and Python normalize `text` differently: a negative zero, or more than 28
// significant digits. Throws FormatError for text that is not a number.
[[nodiscard]] bool is_dialect_sensitive(std::string_view text);

}  // namespace ddbcrypt::internal::legacy
