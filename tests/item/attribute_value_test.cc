#include "ddbcrypt/item/attribute_value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

using Type = AttributeValue::Type;

// One value of each type, in Type order.
std::vector<AttributeValue> one_of_each() {
  return {AttributeValue::S("x"),         AttributeValue::N("1"),
          AttributeValue::B({1}),         AttributeValue::SS({"a"}),
          AttributeValue::NS({"1"}),      AttributeValue::BS({{1}}),
          AttributeValue::M({}),          AttributeValue::L({}),
          AttributeValue::Bool(true),     AttributeValue::Null()};
}

std::string what_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const FormatError& e) {
    return e.what();
  }
  return "<no FormatError>";
}

TEST(AttributeValue, FactoriesSetTheTypeAndKeepTheContent) {
  const auto values = one_of_each();
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(values[i].type(), static_cast<Type>(i));
    EXPECT_TRUE(values[i].is(static_cast<Type>(i)));
  }
  EXPECT_EQ(AttributeValue().type(), Type::kNull);
  EXPECT_EQ(AttributeValue::S("h\xC3\xA9").as_s(), "h\xC3\xA9");
  EXPECT_EQ(AttributeValue::N("-12.50").as_n(), "-12.50");  // spelling kept
  EXPECT_EQ(AttributeValue::B({0, 255}).as_b(), (Bytes{0, 255}));
  EXPECT_EQ(AttributeValue::SS({"b", "a"}).as_ss(), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(AttributeValue::NS({"2", "1E+3"}).as_ns(), (std::vector<std::string>{"2", "1E+3"}));
  EXPECT_EQ(AttributeValue::BS({{}, {0}}).as_bs(), (std::vector<Bytes>{{}, {0}}));
  EXPECT_EQ(AttributeValue::M({{"k", AttributeValue::Null()}}).as_m().size(), 1u);
  EXPECT_EQ(AttributeValue::L({AttributeValue::Null(), AttributeValue::Null()}).as_l().size(), 2u);
  EXPECT_FALSE(AttributeValue::Bool(false).as_bool());
  // Empty strings and binaries are valid DynamoDB values, also inside sets.
  EXPECT_NO_THROW((void)AttributeValue::SS({""}));
  EXPECT_NO_THROW((void)AttributeValue::BS({{}}));
}

TEST(AttributeValue, WrongTypeReadNamesBothTypes) {
  EXPECT_EQ(what_of([] { (void)AttributeValue::M({}).as_ss(); }), "expected SS, found M");
  const auto values = one_of_each();
  for (const auto& v : values) {
    const std::string found(type_name(v.type()));
    auto check = [&](Type expected, const std::function<void()>& read) {
      if (v.type() == expected) {
        EXPECT_NO_THROW(read());
      } else {
        EXPECT_EQ(what_of(read),
                  "expected " + std::string(type_name(expected)) + ", found " + found);
      }
    };
    check(Type::kS, [&] { (void)v.as_s(); });
    check(Type::kN, [&] { (void)v.as_n(); });
    check(Type::kB, [&] { (void)v.as_b(); });
    check(Type::kSS, [&] { (void)v.as_ss(); });
    check(Type::kNS, [&] { (void)v.as_ns(); });
    check(Type::kBS, [&] { (void)v.as_bs(); });
    check(Type::kM, [&] { (void)v.as_m(); });
    check(Type::kL, [&] { (void)v.as_l(); });
    check(Type::kBool, [&] { (void)v.as_bool(); });
    check(Type::kN, [&] { (void)v.as_int64(); });
    check(Type::kN, [&] { (void)v.as_double(); });
    AttributeValue copy = v;
    check(Type::kM, [&] { (void)copy.mutable_m(); });
    check(Type::kL, [&] { (void)copy.mutable_l(); });
  }
}

TEST(AttributeValue, TypeNames) {
  const char* names[] = {"S", "N", "B", "SS", "NS", "BS", "M", "L", "BOOL", "NULL"};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(type_name(static_cast<Type>(i)), names[i]);
}

TEST(AttributeValue, AcceptsValidDynamoDbNumbers) {
  for (const char* ok : {
           "0", "-0", "+0", "0.000", "0E+999", "1", "+1", "-1", "0055", "55.00", ".5", "5.",
           "-.5", "1E+2", "1e-3", "1E2", "-1.5", "12345678901234567890123456789012345678",
           "-12345678901234567890123456789012345678",
           "1234567890123456789012345678901234567800",      // trailing zeros are not significant
           "0.00012345678901234567890123456789012345678",  // leading zeros are not either
           "1.000000000000000000000000000000000000000000000",
           "1E-130", "-1E-130", "0.1E-129", "10E-131",
           "9.9999999999999999999999999999999999999E+125",
           "-9.9999999999999999999999999999999999999E+125",
           "99999999999999999999999999999999999999E+88",
       }) {
    EXPECT_NO_THROW(validate_number(ok)) << ok;
    EXPECT_NO_THROW((void)AttributeValue::N(ok)) << ok;
  }
}

TEST(AttributeValue, RejectsInvalidNumbers) {
  for (const char* bad : {
           "", "-", "+", ".", "-.", "e5", ".e5", "1e", "1e+", "1E-", "1e+x", "abc", "1.2.3", " 1",
           "1 ", "0x10", "1_000", "NaN", "nan", "Infinity", "-Infinity", "inf", "1,5", "--1",
           "+-1", "1e1.5", "1e99999999999999999999", "\xEF\xBC\x91" /* fullwidth 1 */,
           "123456789012345678901234567890123456789",   // 39 significant digits
           "1.23456789012345678901234567890123456789",  // 39 too, with a point
           "1E-131", "0.01E-129", "9.9E-131", "1E+126", "10E+125", "-1E+126",
       }) {
    EXPECT_THROW(validate_number(bad), FormatError) << bad;
    EXPECT_THROW((void)AttributeValue::N(bad), FormatError) << bad;
  }
  // A number with an embedded NUL is not a number.
  EXPECT_THROW(validate_number(std::string_view("1\0", 2)), FormatError);
}

TEST(AttributeValue, NumberErrorsDoNotEchoTheText) {
  const std::string message = what_of([] { (void)AttributeValue::N("secret-42"); });
  EXPECT_NE(message.find("invalid number"), std::string::npos) << message;
  EXPECT_EQ(message.find("secret"), std::string::npos) << message;
  EXPECT_EQ(message.find("42"), std::string::npos) << message;
}

TEST(AttributeValue, IntegerFactoriesAreExact) {
  EXPECT_EQ(AttributeValue::N(42).as_n(), "42");
  EXPECT_EQ(AttributeValue::N(-7L).as_n(), "-7");
  EXPECT_EQ(AttributeValue::N(std::int64_t{-42}).as_n(), "-42");
  EXPECT_EQ(AttributeValue::N(std::numeric_limits<std::int64_t>::min()).as_n(),
            "-9223372036854775808");
  EXPECT_EQ(AttributeValue::N(std::numeric_limits<std::uint64_t>::max()).as_n(),
            "18446744073709551615");
  EXPECT_EQ(AttributeValue::N(static_cast<unsigned char>(200)).as_n(), "200");
  EXPECT_EQ(AttributeValue::N(static_cast<short>(-3)).as_n(), "-3");
  EXPECT_EQ(AttributeValue::N(123456789012LL).as_n(), "123456789012");
  EXPECT_EQ(AttributeValue::N(0u).as_n(), "0");
}

TEST(AttributeValue, DoubleFactoryUsesShortestRoundTripText) {
  EXPECT_EQ(AttributeValue::N(0.1).as_n(), "0.1");
  EXPECT_EQ(AttributeValue::N(-2.5).as_n(), "-2.5");
  EXPECT_EQ(AttributeValue::N(1e20).as_n(), "1e+20");
  EXPECT_EQ(AttributeValue::N(-0.0).as_n(), "-0");
  for (double d : {0.1, 1.0 / 3.0, 6.02214076e23, -1e-100, 123456.789, 1e125, 1e-130}) {
    EXPECT_EQ(AttributeValue::N(d).as_double(), d) << d;
  }
  EXPECT_THROW((void)AttributeValue::N(std::nan("")), FormatError);
  EXPECT_THROW((void)AttributeValue::N(std::numeric_limits<double>::infinity()), FormatError);
  EXPECT_THROW((void)AttributeValue::N(-std::numeric_limits<double>::infinity()), FormatError);
  EXPECT_THROW((void)AttributeValue::N(1e300), FormatError);   // beyond DynamoDB's range
  EXPECT_THROW((void)AttributeValue::N(5e-324), FormatError);  // below it
}

TEST(AttributeValue, IntegerAndDoubleReads) {
  EXPECT_EQ(AttributeValue::N("42").as_int64(), 42);
  EXPECT_EQ(AttributeValue::N("+42").as_int64(), 42);
  EXPECT_EQ(AttributeValue::N("0042").as_int64(), 42);
  EXPECT_EQ(AttributeValue::N("1E+2").as_int64(), 100);
  EXPECT_EQ(AttributeValue::N("0.5E+1").as_int64(), 5);
  EXPECT_EQ(AttributeValue::N("12.000").as_int64(), 12);
  EXPECT_EQ(AttributeValue::N("-0").as_int64(), 0);
  EXPECT_EQ(AttributeValue::N("0E+99").as_int64(), 0);
  EXPECT_EQ(AttributeValue::N("-9223372036854775808").as_int64(),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(AttributeValue::N("9223372036854775807").as_int64(),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(AttributeValue::N("9.223372036854775807E+18").as_int64(),
            std::numeric_limits<std::int64_t>::max());
  for (const char* bad : {"9223372036854775808", "-9223372036854775809", "1.5", "1E-1", "1E+19",
                          "-1E+19", "18446744073709551616", "1E+125"}) {
    EXPECT_THROW((void)AttributeValue::N(bad).as_int64(), FormatError) << bad;
  }
  EXPECT_DOUBLE_EQ(AttributeValue::N("2.5").as_double(), 2.5);
  EXPECT_DOUBLE_EQ(AttributeValue::N("+1.5").as_double(), 1.5);
  EXPECT_DOUBLE_EQ(AttributeValue::N(".5").as_double(), 0.5);
  EXPECT_DOUBLE_EQ(AttributeValue::N("5.").as_double(), 5.0);
  EXPECT_DOUBLE_EQ(AttributeValue::N("-1E-130").as_double(), -1e-130);
  EXPECT_DOUBLE_EQ(AttributeValue::N("9.99E+125").as_double(), 9.99e125);
}

TEST(AttributeValue, CompareNumbersIsExact) {
  EXPECT_LT(compare_numbers("-34.2", "-3"), 0);
  EXPECT_GT(compare_numbers("15", "7.6"), 0);
  EXPECT_EQ(compare_numbers("0", "-0.000"), 0);
  EXPECT_EQ(compare_numbers("0E+5", "0.0"), 0);
  EXPECT_LT(compare_numbers("-1E-130", "0"), 0);
  EXPECT_GT(compare_numbers("1E-130", "-0"), 0);
  EXPECT_EQ(compare_numbers("1E+2", "100"), 0);
  EXPECT_EQ(compare_numbers("0.001e3", "1"), 0);
  EXPECT_EQ(compare_numbers("+5", "5.000"), 0);
  EXPECT_EQ(compare_numbers(".5", "0.50"), 0);
  EXPECT_LT(compare_numbers("12345678901234567890123456789012345677",
                            "12345678901234567890123456789012345678"),
            0);
  // Values a double cannot tell apart.
  EXPECT_LT(compare_numbers("1.0000000000000000000000000000000000001",
                            "1.0000000000000000000000000000000000002"),
            0);
  EXPECT_LT(compare_numbers("9007199254740993", "9007199254740994"), 0);
  EXPECT_GT(compare_numbers("1E+2", "99.999"), 0);
  EXPECT_LT(compare_numbers("12", "123"), 0);
  EXPECT_GT(compare_numbers("1.23", "1.2"), 0);
  EXPECT_LT(compare_numbers("-1.23", "-1.2"), 0);
  EXPECT_GT(compare_numbers("1E+125", "9.9999999999999999999999999999999999999E+124"), 0);
  EXPECT_THROW((void)compare_numbers("1", "x"), FormatError);
}

// compare_numbers against exact integer arithmetic: numbers m × 10^e with small e are
// compared after scaling both to the smaller exponent.
TEST(AttributeValue, CompareNumbersAgreesWithIntegerArithmetic) {
  std::mt19937_64 rng(7);
  auto spell = [](std::int64_t m, int e, std::mt19937_64& r) {
    // Several spellings of the same value.
    const std::string sign = m < 0 ? "-" : "";
    const std::string digits = std::to_string(m < 0 ? -m : m);
    switch (r() % 3) {
      case 0:
        return sign + digits + "E" + std::to_string(e);
      case 1: {
        if (e >= 0) return sign + digits + std::string(static_cast<std::size_t>(e), '0');
        const auto frac = static_cast<std::size_t>(-e);
        const std::size_t pad = frac + 1 > digits.size() ? frac + 1 - digits.size() : 0;
        const std::string padded = std::string(pad, '0') + digits;
        return sign + padded.substr(0, padded.size() - frac) + "." +
               padded.substr(padded.size() - frac);
      }
      default:
        return sign + digits + ".000e" + std::to_string(e);
    }
  };
  for (int i = 0; i < 5000; ++i) {
    const auto ma = static_cast<std::int64_t>(rng() % 200001) - 100000;
    const auto mb = static_cast<std::int64_t>(rng() % 200001) - 100000;
    const int ea = static_cast<int>(rng() % 9) - 4;
    const int eb = static_cast<int>(rng() % 9) - 4;
    const int e = std::min(ea, eb);
    std::int64_t a = ma;  // |m| <= 1e5 scaled by at most 1e8 fits
    std::int64_t b = mb;
    for (int k = e; k < ea; ++k) a *= 10;
    for (int k = e; k < eb; ++k) b *= 10;
    const int expected = a < b ? -1 : (a > b ? 1 : 0);
    const std::string sa = spell(ma, ea, rng);
    const std::string sb = spell(mb, eb, rng);
    const int got = compare_numbers(sa, sb);
    ASSERT_EQ(got < 0 ? -1 : (got > 0 ? 1 : 0), expected) << sa << " vs " << sb;
  }
}

TEST(AttributeValue, RejectsEmptyAndDuplicateSets) {
  EXPECT_THROW((void)AttributeValue::SS({}), FormatError);
  EXPECT_THROW((void)AttributeValue::NS({}), FormatError);
  EXPECT_THROW((void)AttributeValue::BS({}), FormatError);
  EXPECT_THROW((void)AttributeValue::SS({"a", "a"}), FormatError);
  EXPECT_THROW((void)AttributeValue::SS({"", ""}), FormatError);
  EXPECT_THROW((void)AttributeValue::BS({{1, 2}, {1, 2}}), FormatError);
  EXPECT_THROW((void)AttributeValue::BS({{}, {}}), FormatError);
  // NS duplicates compare by value.
  EXPECT_THROW((void)AttributeValue::NS({"1", "1.0"}), FormatError);
  EXPECT_THROW((void)AttributeValue::NS({"100", "1E+2"}), FormatError);
  EXPECT_THROW((void)AttributeValue::NS({"0", "-0"}), FormatError);
  EXPECT_THROW((void)AttributeValue::NS({"1", "x"}), FormatError);
  EXPECT_NO_THROW((void)AttributeValue::NS({"1", "-1", "10", "0.1"}));
  EXPECT_NO_THROW((void)AttributeValue::SS({"a", "A", "a "}));
  EXPECT_NO_THROW((void)AttributeValue::BS({{0}, {0, 0}, {}}));
}

TEST(AttributeValue, LargeSetsFindDuplicatesAnywhere) {
  std::vector<std::string> strings;
  std::vector<std::string> numbers;
  std::vector<Bytes> binaries;
  for (int i = 0; i < 100; ++i) {
    strings.push_back("s" + std::to_string(i));
    numbers.push_back(std::to_string(i) + ".5");
    binaries.push_back(Bytes{static_cast<std::uint8_t>(i), 7});
  }
  EXPECT_NO_THROW((void)AttributeValue::SS(strings));
  EXPECT_NO_THROW((void)AttributeValue::NS(numbers));
  EXPECT_NO_THROW((void)AttributeValue::BS(binaries));
  strings.push_back("s0");
  numbers.push_back("0.50");
  binaries.push_back(Bytes{99, 7});
  EXPECT_THROW((void)AttributeValue::SS(strings), FormatError);
  EXPECT_THROW((void)AttributeValue::NS(numbers), FormatError);
  EXPECT_THROW((void)AttributeValue::BS(binaries), FormatError);
}

TEST(AttributeValue, SetErrorsNameTheRuleNotTheMembers) {
  EXPECT_EQ(what_of([] { (void)AttributeValue::SS({"hunter2", "hunter2"}); }),
            "an SS set must not contain duplicates");
  EXPECT_EQ(what_of([] { (void)AttributeValue::NS({}); }), "an NS set must not be empty");
  EXPECT_EQ(what_of([] { (void)AttributeValue::BS({{9}, {9}}); }),
            "a BS set must not contain duplicates");
}

TEST(AttributeValue, EqualityTreatsSetsAsUnorderedAndNumbersAsText) {
  EXPECT_EQ(AttributeValue::SS({"a", "b", "c"}), AttributeValue::SS({"c", "a", "b"}));
  EXPECT_EQ(AttributeValue::NS({"1", "2"}), AttributeValue::NS({"2", "1"}));
  EXPECT_EQ(AttributeValue::BS({{1}, {2}}), AttributeValue::BS({{2}, {1}}));
  EXPECT_NE(AttributeValue::SS({"a"}), AttributeValue::SS({"a", "b"}));
  EXPECT_NE(AttributeValue::SS({"a", "c"}), AttributeValue::SS({"a", "b"}));
  EXPECT_NE(AttributeValue::NS({"1"}), AttributeValue::NS({"1.0"}));
  EXPECT_NE(AttributeValue::L({AttributeValue::N("1"), AttributeValue::N("2")}),
            AttributeValue::L({AttributeValue::N("2"), AttributeValue::N("1")}));
  EXPECT_NE(AttributeValue::N("55"), AttributeValue::N("55.00"));
  EXPECT_EQ(AttributeValue::N("55"), AttributeValue::N("55"));
  EXPECT_NE(AttributeValue::S("1"), AttributeValue::N("1"));
  EXPECT_NE(AttributeValue::S("a"), AttributeValue::SS({"a"}));
  EXPECT_NE(AttributeValue::B({}), AttributeValue::S(""));
  EXPECT_EQ(AttributeValue::Null(), AttributeValue());
  EXPECT_NE(AttributeValue::Bool(true), AttributeValue::Bool(false));
  EXPECT_EQ(AttributeValue::M({{"a", AttributeValue::SS({"x", "y"})}}),
            AttributeValue::M({{"a", AttributeValue::SS({"y", "x"})}}));
  EXPECT_NE(AttributeValue::M({{"a", AttributeValue::Null()}}),
            AttributeValue::M({{"b", AttributeValue::Null()}}));
  // Unchecked sets compare as multisets.
  EXPECT_NE(AttributeValue::unchecked_set(Type::kSS, {"a", "a", "b"}),
            AttributeValue::unchecked_set(Type::kSS, {"a", "b", "b"}));
}

TEST(AttributeValue, EquivalenceComparesNumbersByValueEverywhere) {
  EXPECT_TRUE(equivalent(AttributeValue::N("55"), AttributeValue::N("55.00")));
  EXPECT_TRUE(equivalent(AttributeValue::N("1E+2"), AttributeValue::N("100")));
  EXPECT_TRUE(
      equivalent(AttributeValue::NS({"1.230", "34"}), AttributeValue::NS({"34", "1.23"})));
  EXPECT_FALSE(equivalent(AttributeValue::NS({"1", "2"}), AttributeValue::NS({"1", "3"})));
  EXPECT_FALSE(equivalent(AttributeValue::NS({"1", "2"}), AttributeValue::NS({"1"})));
  EXPECT_TRUE(
      equivalent(AttributeValue::M({{"a", AttributeValue::L({AttributeValue::N("0.10")})}}),
                 AttributeValue::M({{"a", AttributeValue::L({AttributeValue::N("0.1")})}})));
  EXPECT_FALSE(equivalent(AttributeValue::L({AttributeValue::N("1"), AttributeValue::N("2")}),
                          AttributeValue::L({AttributeValue::N("2"), AttributeValue::N("1")})));
  EXPECT_FALSE(equivalent(AttributeValue::N("1"), AttributeValue::N("-1")));
  EXPECT_FALSE(equivalent(AttributeValue::N("1"), AttributeValue::S("1")));
  EXPECT_TRUE(equivalent(AttributeValue::SS({"a", "b"}), AttributeValue::SS({"b", "a"})));
  EXPECT_FALSE(equivalent(AttributeValue::S("1.0"), AttributeValue::S("1")));
  Item a{{"x", AttributeValue::N("1.0")}};
  Item b{{"x", AttributeValue::N("1")}};
  EXPECT_TRUE(equivalent(a, b));
  EXPECT_NE(a, b);
  b["y"] = AttributeValue::Null();
  EXPECT_FALSE(equivalent(a, b));
  Item c{{"z", AttributeValue::N("1")}};
  EXPECT_FALSE(equivalent(Item{{"x", AttributeValue::N("1")}}, c));
}

TEST(AttributeValue, CopiesAreDeep) {
  AttributeValue a = AttributeValue::M({{"k", AttributeValue::L({AttributeValue::S("v")})}});
  AttributeValue b = a;
  b.mutable_m()["k"].mutable_l().push_back(AttributeValue::Null());
  EXPECT_EQ(a.as_m().at("k").as_l().size(), 1u);
  EXPECT_NE(a, b);
  AttributeValue moved = std::move(b);
  EXPECT_EQ(moved.as_m().at("k").as_l().size(), 2u);
}

TEST(AttributeValue, UncheckedSetsKeepWhatTheyAreGivenUntilValidated) {
  const auto dup = AttributeValue::unchecked_set(Type::kSS, {"a", "a"});
  EXPECT_EQ(dup.as_ss().size(), 2u);
  EXPECT_THROW(dup.validate(), FormatError);
  EXPECT_THROW(AttributeValue::unchecked_set(Type::kSS, {}).validate(), FormatError);
  EXPECT_THROW(AttributeValue::unchecked_set(Type::kNS, {"1", "1.0"}).validate(), FormatError);
  EXPECT_THROW(AttributeValue::unchecked_set(Type::kNS, {}).validate(), FormatError);
  EXPECT_THROW(AttributeValue::unchecked_binary_set({}).validate(), FormatError);
  EXPECT_THROW(AttributeValue::unchecked_binary_set({{1}, {1}}).validate(), FormatError);
  EXPECT_NO_THROW(AttributeValue::unchecked_set(Type::kNS, {"1", "2"}).validate());
  // Members of an NS must still be numbers.
  EXPECT_THROW((void)AttributeValue::unchecked_set(Type::kNS, {"x"}), FormatError);
  EXPECT_THROW((void)AttributeValue::unchecked_set(Type::kM, {"a"}), ConfigError);
  EXPECT_THROW((void)AttributeValue::unchecked_set(Type::kBS, {"a"}), ConfigError);
}

TEST(AttributeValue, ValidateRecursesIntoMapsAndLists) {
  EXPECT_NO_THROW(AttributeValue::M({{"s", AttributeValue::SS({"a"})}}).validate());
  const AttributeValue nested = AttributeValue::M(
      {{"l", AttributeValue::L({AttributeValue::S("x"),
                                AttributeValue::unchecked_set(Type::kSS, {"a", "a"})})}});
  EXPECT_THROW(nested.validate(), FormatError);
  for (const auto& v : one_of_each()) EXPECT_NO_THROW(v.validate());
}

}  // namespace
}  // namespace ddbcrypt
