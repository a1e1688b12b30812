#include "ddbcrypt/item/attribute_value.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

using Type = AttributeValue::Type;

TEST(AttributeValue, FactoriesSetTheType) {
  EXPECT_EQ(AttributeValue::S("x").type(), Type::kS);
  EXPECT_EQ(AttributeValue::N("1").type(), Type::kN);
  EXPECT_EQ(AttributeValue::B({1}).type(), Type::kB);
  EXPECT_EQ(AttributeValue::SS({"a"}).type(), Type::kSS);
  EXPECT_EQ(AttributeValue::NS({"1"}).type(), Type::kNS);
  EXPECT_EQ(AttributeValue::BS({{1}}).type(), Type::kBS);
  EXPECT_EQ(AttributeValue::M({}).type(), Type::kM);
  EXPECT_EQ(AttributeValue::L({}).type(), Type::kL);
  EXPECT_EQ(AttributeValue::Bool(true).type(), Type::kBool);
  EXPECT_EQ(AttributeValue::Null().type(), Type::kNull);
  EXPECT_EQ(AttributeValue().type(), Type::kNull);
}

TEST(AttributeValue, WrongTypeReadNamesBothTypes) {
  try {
    (void)AttributeValue::M({}).as_ss();
    FAIL() << "no exception";
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "expected SS, found M");
  }
  EXPECT_THROW((void)AttributeValue::S("1").as_n(), FormatError);
  EXPECT_THROW((void)AttributeValue::Null().as_bool(), FormatError);
}

TEST(AttributeValue, ValidatesNumbers) {
  for (const char* ok : {"0", "-0", "1", "+1", "0055", "55.00", "1E+2", "1e-3", "-1.5",
                         "12345678901234567890123456789012345678", "1E-130", "9.9E+125"}) {
    EXPECT_NO_THROW((void)AttributeValue::N(ok)) << ok;
  }
  for (const char* bad : {"", "-", "+", ".", "1e", "1e+", "abc", "1.2.3", " 1", "1 ", "0x10",
                          "NaN", "Infinity", "123456789012345678901234567890123456789", "1E-131",
                          "1E+126", "1,5"}) {
    EXPECT_THROW((void)AttributeValue::N(bad), FormatError) << bad;
  }
}

TEST(AttributeValue, RejectsEmptyAndDuplicateSets) {
  EXPECT_THROW((void)AttributeValue::SS({}), FormatError);
  EXPECT_THROW((void)AttributeValue::NS({}), FormatError);
  EXPECT_THROW((void)AttributeValue::BS({}), FormatError);
  EXPECT_THROW((void)AttributeValue::SS({"a", "a"}), FormatError);
  EXPECT_THROW((void)AttributeValue::NS({"1", "1.0"}), FormatError);
  EXPECT_THROW((void)AttributeValue::BS({{1, 2}, {1, 2}}), FormatError);
  EXPECT_THROW((void)AttributeValue::NS({"1", "x"}), FormatError);
}

TEST(AttributeValue, EqualityTreatsSetsAsUnorderedAndNumbersAsText) {
  EXPECT_EQ(AttributeValue::SS({"a", "b"}), AttributeValue::SS({"b", "a"}));
  EXPECT_EQ(AttributeValue::BS({{1}, {2}}), AttributeValue::BS({{2}, {1}}));
  EXPECT_NE(AttributeValue::L({AttributeValue::N("1"), AttributeValue::N("2")}),
            AttributeValue::L({AttributeValue::N("2"), AttributeValue::N("1")}));
  EXPECT_NE(AttributeValue::N("55"), AttributeValue::N("55.00"));
  EXPECT_NE(AttributeValue::S("1"), AttributeValue::N("1"));
  EXPECT_NE(AttributeValue::SS({"a"}), AttributeValue::SS({"a", "b"}));
}

TEST(AttributeValue, EquivalenceComparesNumbersByValueEverywhere) {
  EXPECT_TRUE(equivalent(AttributeValue::N("55"), AttributeValue::N("55.00")));
  EXPECT_TRUE(equivalent(AttributeValue::N("1E+2"), AttributeValue::N("100")));
  EXPECT_TRUE(equivalent(AttributeValue::NS({"1.230", "34"}), AttributeValue::NS({"34", "1.23"})));
  EXPECT_TRUE(equivalent(AttributeValue::M({{"a", AttributeValue::L({AttributeValue::N("0.10")})}}),
                         AttributeValue::M({{"a", AttributeValue::L({AttributeValue::N("0.1")})}})));
  EXPECT_FALSE(equivalent(AttributeValue::N("1"), AttributeValue::N("-1")));
  Item a{{"x", AttributeValue::N("1.0")}};
  Item b{{"x", AttributeValue::N("1")}};
  EXPECT_TRUE(equivalent(a, b));
  b["y"] = AttributeValue::Null();
  EXPECT_FALSE(equivalent(a, b));
}

TEST(AttributeValue, CompareNumbersIsExact) {
  EXPECT_LT(compare_numbers("-34.2", "-3"), 0);
  EXPECT_GT(compare_numbers("15", "7.6"), 0);
  EXPECT_EQ(compare_numbers("0", "-0.000"), 0);
  EXPECT_LT(compare_numbers("12345678901234567890123456789012345677",
                            "12345678901234567890123456789012345678"),
            0);
  EXPECT_GT(compare_numbers("1E+2", "99.999"), 0);
}

TEST(AttributeValue, NumberConversions) {
  EXPECT_EQ(AttributeValue::N(std::int64_t{-42}).as_n(), "-42");
  EXPECT_EQ(AttributeValue::N(0.1).as_n(), "0.1");
  EXPECT_EQ(AttributeValue::N("1E+2").as_int64(), 100);
  EXPECT_EQ(AttributeValue::N("-9223372036854775808").as_int64(), INT64_MIN);
  EXPECT_THROW((void)AttributeValue::N("9223372036854775808").as_int64(), FormatError);
  EXPECT_THROW((void)AttributeValue::N("1.5").as_int64(), FormatError);
  EXPECT_DOUBLE_EQ(AttributeValue::N("2.5").as_double(), 2.5);
  EXPECT_THROW((void)AttributeValue::N(std::nan("")), FormatError);
}

TEST(AttributeValue, CopiesAreDeep) {
  AttributeValue a = AttributeValue::M({{"k", AttributeValue::L({AttributeValue::S("v")})}});
  AttributeValue b = a;
  b.mutable_m()["k"].mutable_l().push_back(AttributeValue::Null());
  EXPECT_EQ(a.as_m().at("k").as_l().size(), 1u);
  EXPECT_NE(a, b);
}

TEST(AttributeValue, ValidateChecksNestedUncheckedSets) {
  AttributeValue ok = AttributeValue::M({{"s", AttributeValue::SS({"a"})}});
  EXPECT_NO_THROW(ok.validate());
  AttributeValue bad = AttributeValue::L(
      {AttributeValue::unchecked_set(Type::kSS, {"a", "a"})});
  EXPECT_THROW(bad.validate(), FormatError);
  EXPECT_THROW(AttributeValue::unchecked_binary_set({}).validate(), FormatError);
}

}  // namespace
}  // namespace ddbcrypt
