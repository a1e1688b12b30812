#include "legacy/number.h"

#include <gtest/gtest.h>

#include <string>

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal::legacy {
namespace {

struct NumberCase {
  const char* input;
  const char* java;    // new BigDecimal(s).stripTrailingZeros().toPlainString(), Java 17
  const char* python;  // dynamodb-encryption-sdk 3.3.0 serialize_attribute({"N": s})
};

// Expected outputs were produced by running the two reference implementations on each input.
constexpr NumberCase kCases[] = {
    {"55", "55", "55"},
    {"55.00", "55", "55"},
    {"+55", "55", "55"},
    {"0055", "55", "55"},
    {"55.34000", "55.34", "55.34"},
    {"1E+2", "100", "100"},
    {"1e-3", "0.001", "0.001"},
    {".5", "0.5", "0.5"},
    {"5.", "5", "5"},
    {"-1.50", "-1.5", "-1.5"},
    {"0.000", "0", "0"},
    {"0E+5", "0", "0"},
    {"-0", "0", "-0"},
    {"-0.0", "0", "-0"},
    {"-0E+5", "0", "-0"},
    {"1E+125",
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000",
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000"},
    {"1E-130",
     "0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000001",
     "0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000001"},
    {"1234567890123456789012345678.95", "1234567890123456789012345678.95",
     "1234567890123456789012345679"},
    {"12345678901234567890123456789", "12345678901234567890123456789",
     "12345678901234567890123456790"},
    {"99999999999999999999999999995", "99999999999999999999999999995",
     "100000000000000000000000000000"},
    {"-123456789012345678901234567890123", "-123456789012345678901234567890123",
     "-123456789012345678901234567900000"},
};

// Python-only outputs (rounding corner cases).
constexpr NumberCase kPythonRounding[] = {
    {"9999999999999999999999999999.5", nullptr, "10000000000000000000000000000"},
    {"1.2345678901234567890123456785", nullptr, "1.234567890123456789012345678"},
    {"1.2345678901234567890123456775", nullptr, "1.234567890123456789012345678"},
    {"0.00000000000000000000000000000000000000000012345678901234567890123456789", nullptr,
     "0.0000000000000000000000000000000000000000001234567890123456789012345679"},
};

TEST(NumberNormalization, ExactMatchesJava) {
  for (const auto& c : kCases) {
    EXPECT_EQ(normalize_number(c.input, NumberDialect::kExact), c.java) << c.input;
  }
}

TEST(NumberNormalization, PythonDialectMatchesPython) {
  for (const auto& c : kCases) {
    EXPECT_EQ(normalize_number(c.input, NumberDialect::kPython), c.python) << c.input;
  }
  for (const auto& c : kPythonRounding) {
    EXPECT_EQ(normalize_number(c.input, NumberDialect::kPython), c.python) << c.input;
  }
}

TEST(NumberNormalization, DialectSensitiveExactlyWhereTheLibrariesDiffer) {
  for (const auto& c : kCases) {
    EXPECT_EQ(is_dialect_sensitive(c.input), std::string(c.java) != c.python) << c.input;
  }
  // 28 significant digits (trailing zeros do not count) are still safe.
  EXPECT_FALSE(is_dialect_sensitive("1234567890123456789012345678"));
  EXPECT_FALSE(is_dialect_sensitive("1234567890123456789012345678000000"));
  EXPECT_FALSE(is_dialect_sensitive("0.0000001234567890123456789012345678"));
  EXPECT_TRUE(is_dialect_sensitive("0.00000012345678901234567890123456789"));
}

TEST(NumberNormalization, RejectsText) {
  for (const char* bad : {"", "-", "+", ".", "1..2", "1e", "1e+", "abc", "1,5", " 1", "1 ",
                          "0x10", "1e5.5", "NaN", "Infinity", "--1"}) {
    EXPECT_THROW((void)normalize_number(bad), FormatError) << '"' << bad << '"';
  }
}

TEST(NumberNormalization, RejectsExponentsFarOutsideDynamoDbRange) {
  EXPECT_THROW((void)normalize_number("1e999999999999"), FormatError);
  EXPECT_THROW((void)normalize_number("1e-5000"), FormatError);
  EXPECT_EQ(normalize_number("0e999999999999"), "0");
}

}  // namespace
}  // namespace ddbcrypt::internal::legacy
