// The item layer's internal decimal arithmetic (src/item/decimal.h), which other layers
// (model, legacy) build on.
#include "item/decimal.h"

#include <gtest/gtest.h>

#include <limits>

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

TEST(DecimalView, ReadsDigitsAndAdjustedExponent) {
  struct Case {
    const char* text;
    const char* digits;
    std::int64_t adjusted;
    bool negative;
  };
  const Case cases[] = {
      {"0", "", 0, false},           {"-0.000", "", 0, true},     {"12.50", "125", 1, false},
      {"-0.00310", "31", -3, true},  {"1E+2", "1", 2, false},     {"120e-5", "12", -3, false},
      {".5", "5", -1, false},        {"5.", "5", 0, false},       {"+007.0700", "707", 0, false},
      {"1000", "1", 3, false},       {"10.01", "1001", 1, false}, {"9.9E+125", "99", 125, false},
  };
  for (const auto& c : cases) {
    const auto d = DecimalView::parse(c.text);
    EXPECT_EQ(d.digits(), c.digits) << c.text;
    EXPECT_EQ(d.digit_count(), std::string(c.digits).size()) << c.text;
    EXPECT_EQ(d.is_zero(), std::string(c.digits).empty()) << c.text;
    EXPECT_EQ(d.negative(), c.negative) << c.text;
    if (!d.is_zero()) {
      EXPECT_EQ(d.adjusted_exponent(), c.adjusted) << c.text;
    }
  }
  EXPECT_THROW((void)DecimalView::parse("1e1000001"), FormatError);
  EXPECT_NO_THROW((void)DecimalView::parse("1e1000000"));
}

TEST(DecimalView, UnsignedIntegers) {
  EXPECT_EQ(DecimalView::parse("18446744073709551615").to_uint64(),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(DecimalView::parse("1.8446744073709551615E+19").to_uint64(),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(DecimalView::parse("-0").to_uint64(), 0u);
  EXPECT_EQ(DecimalView::parse("18446744073709551616").to_uint64(), std::nullopt);
  EXPECT_EQ(DecimalView::parse("-1").to_uint64(), std::nullopt);
  EXPECT_EQ(DecimalView::parse("0.5").to_uint64(), std::nullopt);
  EXPECT_EQ(DecimalView::parse("1E+20").to_uint64(), std::nullopt);
}

TEST(Decimal, NormalizedFormAndPlainText) {
  const auto d = Decimal::parse_dynamodb("-001.2300E+3");
  EXPECT_TRUE(d.negative());
  EXPECT_EQ(d.digits(), "123");
  EXPECT_EQ(d.exponent(), 1);
  EXPECT_EQ(d.to_plain_string(), "-1230");
  EXPECT_EQ(Decimal::parse("0.000120").to_plain_string(), "0.00012");
  EXPECT_EQ(Decimal::parse("12.5").to_plain_string(), "12.5");
  EXPECT_EQ(Decimal::parse("-0.0").to_plain_string(), "0");
  EXPECT_EQ(Decimal::parse("-0.0").to_plain_string(true), "-0");
  EXPECT_EQ(Decimal::parse("0").exponent(), 0);
  EXPECT_EQ(Decimal::parse("1E+3").to_int64(), 1000);
  EXPECT_EQ(Decimal::parse("1.5").to_int64(), std::nullopt);
  EXPECT_TRUE(Decimal::parse("1.0") == Decimal::parse("1"));
  EXPECT_TRUE(Decimal::parse("0") == Decimal::parse("-0"));
  EXPECT_TRUE(Decimal::parse("-2") < Decimal::parse("-1.5"));
  EXPECT_TRUE(Decimal::parse("99") < Decimal::parse("1E+2"));
  EXPECT_THROW((void)Decimal::parse_dynamodb("1E+126"), FormatError);
}

TEST(Decimal, JsonNumberSpelling) {
  const std::pair<const char*, const char*> cases[] = {
      {"0", "0"},         {"-0", "-0"},     {"+1", "1"},         {".5", "0.5"},
      {"-.5E3", "-0.5E3"}, {"5.", "5"},      {"007.50", "7.50"},  {"000", "0"},
      {"1E+2", "1E+2"},   {"12.5e-07", "12.5e-07"}, {"+0.0", "0.0"}, {"5.e1", "5e1"},
  };
  for (const auto& [in, out] : cases) {
    std::string json = "x";
    append_json_number(json, in);
    EXPECT_EQ(json, std::string("x") + out) << in;
  }
}

}  // namespace
}  // namespace ddbcrypt::internal
