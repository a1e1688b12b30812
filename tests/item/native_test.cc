#include "ddbcrypt/item/native.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ddbcrypt/item/dynamodb_json.h"
#include "testing/random_item.h"

namespace ddbcrypt {
namespace {

using Type = AttributeValue::Type;

template <class T>
void expect_round_trip(const T& value, const AttributeValue& expected) {
  const AttributeValue attribute = to_attribute(value);
  EXPECT_EQ(attribute, expected) << to_json(attribute);
  EXPECT_EQ(from_attribute<T>(attribute), value) << to_json(attribute);
}

std::string native_error_of(std::string_view json) {
  try {
    (void)parse_native_json_value(json);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "<no FormatError>";
}

TEST(Native, StringsBecomeS) {
  EXPECT_EQ(to_attribute("x"), AttributeValue::S("x"));
  const char* pointer = "p";
  EXPECT_EQ(to_attribute(pointer), AttributeValue::S("p"));
  EXPECT_EQ(to_attribute(std::string_view("v")), AttributeValue::S("v"));
  const std::string unicode = "h\xC3\xA9\xF0\x9F\x94\x92";
  expect_round_trip(unicode, AttributeValue::S(unicode));
  expect_round_trip(std::string(), AttributeValue::S(""));
}

TEST(Native, IntegersBecomeExactN) {
  expect_round_trip(42, AttributeValue::N("42"));
  expect_round_trip(-7, AttributeValue::N("-7"));
  expect_round_trip(std::int8_t{-128}, AttributeValue::N("-128"));
  expect_round_trip(std::uint8_t{255}, AttributeValue::N("255"));
  expect_round_trip(std::int16_t{-32768}, AttributeValue::N("-32768"));
  expect_round_trip(std::uint16_t{65535}, AttributeValue::N("65535"));
  expect_round_trip(std::numeric_limits<std::int32_t>::min(), AttributeValue::N("-2147483648"));
  expect_round_trip(std::numeric_limits<std::uint32_t>::max(), AttributeValue::N("4294967295"));
  expect_round_trip(std::numeric_limits<std::int64_t>::min(),
                    AttributeValue::N("-9223372036854775808"));
  expect_round_trip(std::numeric_limits<std::int64_t>::max(),
                    AttributeValue::N("9223372036854775807"));
  expect_round_trip(std::numeric_limits<std::uint64_t>::max(),
                    AttributeValue::N("18446744073709551615"));
  expect_round_trip(123456789012LL, AttributeValue::N("123456789012"));
  // Integral values in other spellings read back exactly.
  EXPECT_EQ(from_attribute<int>(AttributeValue::N("1E+2")), 100);
  EXPECT_EQ(from_attribute<int>(AttributeValue::N("+12.000")), 12);
  EXPECT_EQ(from_attribute<unsigned>(AttributeValue::N("-0")), 0u);
  EXPECT_EQ(from_attribute<std::uint64_t>(AttributeValue::N("1.8446744073709551615E+19")),
            std::numeric_limits<std::uint64_t>::max());
}

TEST(Native, FloatingPointBecomesShortestN) {
  expect_round_trip(2.5, AttributeValue::N("2.5"));
  expect_round_trip(0.1, AttributeValue::N("0.1"));
  expect_round_trip(-1e-100, AttributeValue::N("-1e-100"));
  expect_round_trip(0.1f, AttributeValue::N("0.1"));  // float's own shortest text
  expect_round_trip(3.4e38f, AttributeValue::N("3.4e+38"));
  EXPECT_EQ(from_attribute<double>(AttributeValue::N("+1.5")), 1.5);
  EXPECT_EQ(from_attribute<double>(AttributeValue::N("1E+125")), 1e125);
  EXPECT_EQ(from_attribute<float>(AttributeValue::N("1E-130")), 0.0f);  // underflows to zero
  EXPECT_THROW((void)to_attribute(std::nan("")), FormatError);
  EXPECT_THROW((void)to_attribute(std::numeric_limits<double>::infinity()), FormatError);
  EXPECT_THROW((void)to_attribute(-std::numeric_limits<float>::infinity()), FormatError);
  EXPECT_THROW((void)to_attribute(1e300), FormatError);  // outside DynamoDB's range
}

TEST(Native, OtherScalars) {
  expect_round_trip(true, AttributeValue::Bool(true));
  expect_round_trip(false, AttributeValue::Bool(false));
  EXPECT_EQ(to_attribute(nullptr), AttributeValue::Null());
  expect_round_trip(Bytes{0, 1, 255}, AttributeValue::B({0, 1, 255}));
  expect_round_trip(Bytes{}, AttributeValue::B({}));
  expect_round_trip(std::optional<int>{}, AttributeValue::Null());
  expect_round_trip(std::optional<int>{5}, AttributeValue::N("5"));
  expect_round_trip(std::optional<std::string>{"s"}, AttributeValue::S("s"));
  const AttributeValue any = AttributeValue::NS({"1", "2"});
  expect_round_trip(any, any);
}

TEST(Native, SetsListsAndMaps) {
  expect_round_trip(std::set<std::string>{"a", "b"}, AttributeValue::SS({"b", "a"}));
  expect_round_trip(std::set<int>{3, 1}, AttributeValue::NS({"1", "3"}));
  expect_round_trip(std::set<std::uint64_t>{std::numeric_limits<std::uint64_t>::max()},
                    AttributeValue::NS({"18446744073709551615"}));
  expect_round_trip(std::set<double>{0.5, -2.25}, AttributeValue::NS({"-2.25", "0.5"}));
  expect_round_trip(std::set<Bytes>{{1}, {}}, AttributeValue::BS({{}, {1}}));
  expect_round_trip(std::vector<int>{1, 2},
                    AttributeValue::L({AttributeValue::N("1"), AttributeValue::N("2")}));
  expect_round_trip(std::vector<std::string>{}, AttributeValue::L({}));
  expect_round_trip(std::vector<std::vector<bool>>{{true}, {}},
                    AttributeValue::L({AttributeValue::L({AttributeValue::Bool(true)}),
                                       AttributeValue::L({})}));
  expect_round_trip(std::map<std::string, bool>{{"k", false}},
                    AttributeValue::M({{"k", AttributeValue::Bool(false)}}));
  using Nested = std::map<std::string, std::vector<std::optional<double>>>;
  expect_round_trip(Nested{{"k", {1.5, std::nullopt}}},
                    AttributeValue::M({{"k", AttributeValue::L({AttributeValue::N("1.5"),
                                                                AttributeValue::Null()})}}));
  // Building an Item from native values.
  const Item user{{"pk", to_attribute("user#1")}, {"age", to_attribute(42)},
                  {"tags", to_attribute(std::set<std::string>{"a"})}};
  EXPECT_EQ(from_attribute<int>(user.at("age")), 42);
  // Numerically equal members of a set<double> collapse in C++ before they reach DynamoDB.
  EXPECT_EQ(to_attribute(std::set<double>{1.0, 1.0000000000000000001}).as_ns().size(), 1u);
}

TEST(Native, RangeErrors) {
  EXPECT_THROW((void)from_attribute<std::int8_t>(AttributeValue::N("128")), FormatError);
  EXPECT_THROW((void)from_attribute<std::int8_t>(AttributeValue::N("-129")), FormatError);
  EXPECT_THROW((void)from_attribute<std::uint8_t>(AttributeValue::N("256")), FormatError);
  EXPECT_THROW((void)from_attribute<std::uint16_t>(AttributeValue::N("-1")), FormatError);
  EXPECT_THROW((void)from_attribute<unsigned>(AttributeValue::N("-1")), FormatError);
  EXPECT_THROW((void)from_attribute<int>(AttributeValue::N("2147483648")), FormatError);
  EXPECT_THROW((void)from_attribute<std::int64_t>(AttributeValue::N("9223372036854775808")),
               FormatError);
  EXPECT_THROW((void)from_attribute<std::uint64_t>(AttributeValue::N("18446744073709551616")),
               FormatError);
  EXPECT_THROW((void)from_attribute<std::uint64_t>(AttributeValue::N("1E+125")), FormatError);
  EXPECT_THROW((void)from_attribute<int>(AttributeValue::N("1.5")), FormatError);
  EXPECT_THROW((void)from_attribute<int>(AttributeValue::N("1E-1")), FormatError);
  EXPECT_THROW((void)from_attribute<float>(AttributeValue::N("1E+39")), FormatError);
  EXPECT_THROW((void)from_attribute<float>(AttributeValue::N("-1E+100")), FormatError);
  EXPECT_THROW((void)from_attribute<std::set<std::int8_t>>(AttributeValue::NS({"1", "300"})),
               FormatError);
  try {
    (void)from_attribute<std::int8_t>(AttributeValue::N("12345"));
    FAIL() << "no exception";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()).find("12345"), std::string::npos) << e.what();
  }
}

TEST(Native, TypeErrors) {
  EXPECT_THROW((void)from_attribute<std::string>(AttributeValue::N("1")), FormatError);
  EXPECT_THROW((void)from_attribute<int>(AttributeValue::S("1")), FormatError);
  EXPECT_THROW((void)from_attribute<bool>(AttributeValue::N("1")), FormatError);
  EXPECT_THROW((void)from_attribute<Bytes>(AttributeValue::S("")), FormatError);
  EXPECT_THROW((void)from_attribute<std::set<std::string>>(AttributeValue::L({})), FormatError);
  EXPECT_THROW((void)from_attribute<std::set<int>>(AttributeValue::SS({"1"})), FormatError);
  EXPECT_THROW((void)from_attribute<std::set<Bytes>>(AttributeValue::SS({"1"})), FormatError);
  EXPECT_THROW((void)from_attribute<std::vector<int>>(AttributeValue::NS({"1"})), FormatError);
  EXPECT_THROW((void)(from_attribute<std::map<std::string, int>>(AttributeValue::L({}))),
               FormatError);
  EXPECT_THROW((void)from_attribute<std::optional<int>>(AttributeValue::S("x")), FormatError);
  EXPECT_THROW((void)from_attribute<std::vector<int>>(
                   AttributeValue::L({AttributeValue::N("1"), AttributeValue::S("2")})),
               FormatError);
  EXPECT_THROW((void)to_attribute(std::set<std::string>{}), FormatError);
  EXPECT_THROW((void)to_attribute(std::set<int>{}), FormatError);
  EXPECT_THROW((void)to_attribute(std::set<Bytes>{}), FormatError);
}

TEST(Native, JsonMapsEveryJsonType) {
  const Item item = parse_native_json_item(
      R"({"pk": "u#1", "age": 42.50, "big": 123456789012345678901234567890, "ok": true,
          "no": false, "none": null, "tags": ["a", 1, [], {}], "addr": {"zip": "123"},
          "esc": "\u00e9\ud83d\udd12\n\"", "neg": -0.5e-3, "exp": 1E+2, "zero": -0})");
  EXPECT_EQ(item.at("pk"), AttributeValue::S("u#1"));
  EXPECT_EQ(item.at("age").as_n(), "42.50");  // spelled as in the document
  EXPECT_EQ(item.at("big").as_n(), "123456789012345678901234567890");
  EXPECT_EQ(item.at("neg").as_n(), "-0.5e-3");
  EXPECT_EQ(item.at("exp").as_n(), "1E+2");
  EXPECT_EQ(item.at("zero").as_n(), "-0");
  EXPECT_TRUE(item.at("ok").as_bool());
  EXPECT_FALSE(item.at("no").as_bool());
  EXPECT_EQ(item.at("none").type(), Type::kNull);
  EXPECT_EQ(item.at("tags"), AttributeValue::L({AttributeValue::S("a"), AttributeValue::N("1"),
                                                AttributeValue::L({}), AttributeValue::M({})}));
  EXPECT_EQ(item.at("addr").as_m().at("zip").as_s(), "123");
  EXPECT_EQ(item.at("esc").as_s(), "\xC3\xA9\xF0\x9F\x94\x92\n\"");
  EXPECT_EQ(parse_native_json_item(to_native_json(item)), item);
  EXPECT_TRUE(parse_native_json_item(" {} ").empty());
}

TEST(Native, JsonScalarDocuments) {
  EXPECT_EQ(parse_native_json_value("7"), AttributeValue::N("7"));
  EXPECT_EQ(parse_native_json_value(" -7.0 "), AttributeValue::N("-7.0"));
  EXPECT_EQ(parse_native_json_value("\"s\""), AttributeValue::S("s"));
  EXPECT_EQ(parse_native_json_value("true"), AttributeValue::Bool(true));
  EXPECT_EQ(parse_native_json_value("null"), AttributeValue::Null());
  EXPECT_EQ(parse_native_json_value("[]"), AttributeValue::L({}));
  EXPECT_EQ(parse_native_json_value("\n[1]\n"), AttributeValue::L({AttributeValue::N("1")}));
}

TEST(Native, JsonRejectsMalformedInput) {
  const char* cases[] = {
      // Numbers JSON does not allow, and numbers DynamoDB cannot store.
      "01", "1.", ".5", "+1", "-", "1e", "1e+", "0x1", "NaN", "Infinity", "-Infinity", "1e999",
      "1e-200", "1234567890123456789012345678901234567890", "- 1", "1.5.2", "--1",
      // Other scalars.
      "tru", "truee", "nul", "nulll", "True", "'s'", "\"unterminated", "\"bad \\x escape\"",
      "\"raw\ttab\"", "\"\xC3\x28\"",
      // Structure.
      "", "   ", "[1,]", "[,1]", "[1 2]", "{\"a\":}", "{\"a\" 1}", "{a: 1}", "{\"a\": 1,}", "[",
      "]", "{", "}", "[1]]", "{}}", "1 2", "1, 2", "[1] [2]", "{} x", "1 x", "\"a\" \"b\"",
      "{\"a\": 1, \"a\": 2}", "{\"a\": {\"b\": 1, \"b\": 1}}",
  };
  for (const char* json : cases) {
    EXPECT_THROW((void)parse_native_json_value(json), FormatError) << json;
  }
  EXPECT_THROW((void)parse_native_json_item("[1]"), FormatError);
  EXPECT_THROW((void)parse_native_json_item("\"s\""), FormatError);
  EXPECT_THROW((void)parse_native_json_item("null"), FormatError);
  EXPECT_THROW((void)parse_native_json_item("{\"a\": 1} x"), FormatError);
}

TEST(Native, JsonRejectsDeepNestingWithoutCrashing) {
  const std::string json = std::string(5000, '[') + std::string(5000, ']');
  EXPECT_THROW((void)parse_native_json_value(json), FormatError);
  const auto nested = [](int depth) {
    return std::string(static_cast<std::size_t>(depth), '[') +
           std::string(static_cast<std::size_t>(depth), ']');
  };
  EXPECT_NO_THROW((void)parse_native_json_value(nested(kMaxNestingDepth)));
  EXPECT_THROW((void)parse_native_json_value(nested(kMaxNestingDepth + 1)), FormatError);
  std::string objects;
  for (int i = 0; i < 200; ++i) objects += "{\"k\":";
  objects += "1" + std::string(200, '}');
  EXPECT_THROW((void)parse_native_json_value(objects), FormatError);
  // A million levels would overflow the stack of a recursive reader without the bound.
  const std::string huge = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  EXPECT_THROW((void)parse_native_json_value(huge), FormatError);
}

TEST(Native, JsonErrorsCarryAPathAndNoValues) {
  const std::string message = native_error_of(R"({"a": {"b": [1, 2e999]}})");
  EXPECT_NE(message.find("invalid native JSON at $.a.b[1]: "), std::string::npos) << message;
  EXPECT_EQ(message.find("999"), std::string::npos) << message;
  const std::string digits = native_error_of(R"({"pin": 0123})");
  EXPECT_NE(digits.find("$.pin"), std::string::npos) << digits;
  EXPECT_EQ(digits.find("0123"), std::string::npos) << digits;
  const std::string duplicate = native_error_of(R"({"x": {"k": "secret", "k": "secret"}})");
  EXPECT_NE(duplicate.find("$.x.k: duplicate key"), std::string::npos) << duplicate;
  EXPECT_EQ(duplicate.find("secret"), std::string::npos) << duplicate;
}

TEST(Native, WritesBinaryAndSetsAsJsonArrays) {
  const Item item{{"b", AttributeValue::B({0xff})},
                  {"bs", AttributeValue::BS({{0}, {1}})},
                  {"ns", AttributeValue::NS({"1", "2.50"})},
                  {"ss", AttributeValue::SS({"x", "y\""})},
                  {"l", AttributeValue::L({AttributeValue::Null(), AttributeValue::Bool(false)})}};
  EXPECT_EQ(to_native_json(item),
            R"({"b":"/w==","bs":["AA==","AQ=="],"l":[null,false],"ns":[1,2.50],"ss":["x","y\""]})");
}

TEST(Native, WritesDynamoDbNumberSpellingsAsValidJson) {
  const std::pair<const char*, const char*> cases[] = {
      {"+1", "1"}, {".5", "0.5"}, {"-.5E3", "-0.5E3"}, {"5.", "5"}, {"007.50", "7.50"},
      {"1E+2", "1E+2"}, {"-0", "-0"}, {"0.000", "0.000"},
  };
  for (const auto& [dynamodb, json] : cases) {
    const AttributeValue n = AttributeValue::N(dynamodb);
    EXPECT_EQ(to_native_json(n), json) << dynamodb;
    EXPECT_TRUE(equivalent(parse_native_json_value(to_native_json(n)), n)) << dynamodb;
  }
}

// Every random item writes native JSON that parses back; without B and sets (which have no
// native form) it is the same item.
TEST(Native, RandomItemsWriteValidNativeJson) {
  std::mt19937_64 rng(4242);
  for (int i = 0; i < 300; ++i) {
    const Item item = testing::random_item(rng);
    const std::string json = to_native_json(item);
    Item back;
    ASSERT_NO_THROW(back = parse_native_json_item(json)) << json;
    ASSERT_EQ(back.size(), item.size()) << json;
  }
}

bool has_native_form(const AttributeValue& v) {
  switch (v.type()) {
    case Type::kB:
    case Type::kSS:
    case Type::kNS:
    case Type::kBS:
      return false;
    case Type::kM:
      for (const auto& [k, e] : v.as_m()) {
        if (!has_native_form(e)) return false;
      }
      return true;
    case Type::kL:
      for (const auto& e : v.as_l()) {
        if (!has_native_form(e)) return false;
      }
      return true;
    default:
      return true;
  }
}

TEST(Native, RandomNativeValuesRoundTrip) {
  std::mt19937_64 rng(77);
  int checked = 0;
  for (int i = 0; i < 2000 && checked < 300; ++i) {
    const AttributeValue value = testing::random_value(rng);
    if (!has_native_form(value)) continue;
    ++checked;
    const std::string json = to_native_json(value);
    ASSERT_TRUE(equivalent(parse_native_json_value(json), value)) << json;
  }
  EXPECT_EQ(checked, 300);
}

}  // namespace
}  // namespace ddbcrypt
