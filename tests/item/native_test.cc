#include "ddbcrypt/item/native.h"

#include <gtest/gtest.h>

#include "ddbcrypt/item/dynamodb_json.h"

namespace ddbcrypt {
namespace {

TEST(Native, ConvertsCppValuesBothWays) {
  EXPECT_EQ(to_attribute("x"), AttributeValue::S("x"));
  EXPECT_EQ(to_attribute(std::string("x")), AttributeValue::S("x"));
  EXPECT_EQ(to_attribute(42), AttributeValue::N("42"));
  EXPECT_EQ(to_attribute(2.5), AttributeValue::N("2.5"));
  EXPECT_EQ(to_attribute(true), AttributeValue::Bool(true));
  EXPECT_EQ(to_attribute(nullptr), AttributeValue::Null());
  EXPECT_EQ(to_attribute(Bytes{1, 2}), AttributeValue::B({1, 2}));
  EXPECT_EQ(to_attribute(std::set<std::string>{"a", "b"}), AttributeValue::SS({"a", "b"}));
  EXPECT_EQ(to_attribute(std::set<int>{3, 1}), AttributeValue::NS({"1", "3"}));
  EXPECT_EQ(to_attribute(std::set<Bytes>{{1}}), AttributeValue::BS({{1}}));
  EXPECT_EQ(to_attribute(std::vector<int>{1, 2}),
            AttributeValue::L({AttributeValue::N("1"), AttributeValue::N("2")}));
  EXPECT_EQ(to_attribute(std::map<std::string, bool>{{"k", false}}),
            AttributeValue::M({{"k", AttributeValue::Bool(false)}}));
  EXPECT_EQ(to_attribute(std::optional<int>{}), AttributeValue::Null());

  EXPECT_EQ(from_attribute<int>(AttributeValue::N("42")), 42);
  EXPECT_EQ(from_attribute<std::uint64_t>(AttributeValue::N("18446744073709551615")),
            UINT64_MAX);
  EXPECT_EQ(from_attribute<std::set<std::string>>(AttributeValue::SS({"b", "a"})),
            (std::set<std::string>{"a", "b"}));
  EXPECT_EQ((from_attribute<std::map<std::string, std::vector<int>>>(
                to_attribute(std::map<std::string, std::vector<int>>{{"k", {1, 2}}}))),
            (std::map<std::string, std::vector<int>>{{"k", {1, 2}}}));
  EXPECT_EQ(from_attribute<std::optional<std::string>>(AttributeValue::Null()), std::nullopt);
}

TEST(Native, RangeAndTypeErrors) {
  EXPECT_THROW((void)from_attribute<std::int8_t>(AttributeValue::N("200")), FormatError);
  EXPECT_THROW((void)from_attribute<unsigned>(AttributeValue::N("-1")), FormatError);
  EXPECT_THROW((void)from_attribute<int>(AttributeValue::N("1.5")), FormatError);
  EXPECT_THROW((void)from_attribute<std::string>(AttributeValue::N("1")), FormatError);
  EXPECT_THROW((void)to_attribute(std::set<std::string>{}), FormatError);
}

TEST(Native, JsonKeepsNumberSpelling) {
  const Item item = parse_native_json_item(
      R"({"pk": "u#1", "age": 42.50, "big": 123456789012345678901234567890, "ok": true,
          "none": null, "tags": ["a", 1], "addr": {"zip": "123"}})");
  EXPECT_EQ(item.at("age").as_n(), "42.50");
  EXPECT_EQ(item.at("big").as_n(), "123456789012345678901234567890");
  EXPECT_EQ(item.at("tags").as_l().size(), 2u);
  EXPECT_EQ(item.at("addr").as_m().at("zip").as_s(), "123");
  EXPECT_EQ(parse_native_json_item(to_native_json(item)), item);
  EXPECT_EQ(parse_native_json_value("7"), AttributeValue::N("7"));
}

TEST(Native, JsonErrors) {
  EXPECT_THROW((void)parse_native_json_item("[1]"), FormatError);
  EXPECT_THROW((void)parse_native_json_item("{\"a\": 1} x"), FormatError);
  EXPECT_THROW((void)parse_native_json_item("{\"a\": 1e999}"), FormatError);
  EXPECT_THROW((void)parse_native_json_item("{\"a\": 1, \"a\": 2}"), FormatError);
  EXPECT_THROW((void)parse_native_json_value("1, 2"), FormatError);
  EXPECT_THROW((void)parse_native_json_value(""), FormatError);
}

TEST(Native, WritesBinaryAndSetsAsJsonArrays) {
  const Item item{{"b", AttributeValue::B({0xff})}, {"ns", AttributeValue::NS({"1", "2"})}};
  EXPECT_EQ(to_native_json(item), R"({"b":"/w==","ns":[1,2]})");
}

}  // namespace
}  // namespace ddbcrypt
