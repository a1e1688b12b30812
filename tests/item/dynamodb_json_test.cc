#include "ddbcrypt/item/dynamodb_json.h"

#include <gtest/gtest.h>

#include <random>

#include "ddbcrypt/error.h"
#include "testing/random_item.h"

namespace ddbcrypt {
namespace {

TEST(DynamoDbJson, ParsesEveryType) {
  const Item item = parse_item_json(R"({
    "s": {"S": "h\u00e9llo \"q\""}, "n": {"N": "-12.50"}, "b": {"B": "AAEC/w=="},
    "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AA==", "AQ=="]},
    "m": {"M": {"inner": {"L": [{"NULL": true}, {"BOOL": false}]}}},
    "t": {"BOOL": true}})");
  EXPECT_EQ(item.at("s").as_s(), "h\xC3\xA9llo \"q\"");
  EXPECT_EQ(item.at("n").as_n(), "-12.50");
  EXPECT_EQ(item.at("b").as_b(), (Bytes{0, 1, 2, 255}));
  EXPECT_EQ(item.at("ss"), AttributeValue::SS({"b", "a"}));
  EXPECT_EQ(item.at("ns").as_ns().size(), 2u);
  EXPECT_EQ(item.at("bs").as_bs().size(), 2u);
  EXPECT_EQ(item.at("m").as_m().at("inner").as_l().at(1).as_bool(), false);
  EXPECT_TRUE(item.at("t").as_bool());
}

TEST(DynamoDbJson, WritesCompactJsonThatParsesBack) {
  const Item item{{"a", AttributeValue::S("line\nbreak\x01")},
                  {"b", AttributeValue::NS({"1", "2"})},
                  {"c", AttributeValue::M({{"x", AttributeValue::Null()}})}};
  const std::string json = to_json(item);
  EXPECT_EQ(json,
            R"({"a":{"S":"line\nbreak\u0001"},"b":{"NS":["1","2"]},"c":{"M":{"x":{"NULL":true}}}})");
  EXPECT_EQ(parse_item_json(json), item);
}

TEST(DynamoDbJson, RejectsMalformedInputWithAPath) {
  const char* cases[] = {
      R"({"a": {"X": "1"}})",                 // unknown tag
      R"({"a": {"S": "1", "N": "1"}})",       // two tags
      R"({"a": {}})",                         // no tag
      R"({"a": {"B": "not base64!"}})",       // bad base64
      R"({"a": {"B": "AAE"}})",               // bad padding
      R"({"a": {"N": "12a"}})",               // invalid number
      R"({"a": {"N": 12}})",                  // number not a string
      R"({"a": {"SS": []}})",                 // empty set
      R"({"a": {"SS": ["x", "x"]}})",         // duplicate
      R"({"a": {"NS": ["1", "1.00"]}})",      // numeric duplicate
      R"({"a": {"BOOL": "true"}})",           // BOOL not bool
      R"({"a": {"NULL": false}})",            // NULL false
      R"({"a": {"L": {}}})",                  // L not array
      R"({"a": {"M": []}})",                  // M not object
      R"({"a": {"M": {"k": {"S": 1}}}})",     // nested error
      R"([])",                                // item not an object
      R"({"a": {"S": "x"}} trailing)",        // trailing garbage
      R"({"a": {"S": "x"}, "a": {"S": "y"}})",  // duplicate attribute
      R"({"a": )",                            // truncated
  };
  for (const char* json : cases) {
    EXPECT_THROW((void)parse_item_json(json), FormatError) << json;
  }
  try {
    (void)parse_item_json(R"({"address": {"M": {"zip": {"N": "secret-123"}}}})");
    FAIL();
  } catch (const FormatError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("$.address.M.zip.N"), std::string::npos) << message;
    EXPECT_EQ(message.find("secret-123"), std::string::npos) << message;
  }
}

TEST(DynamoDbJson, DeepNestingRoundTrips) {
  AttributeValue v = AttributeValue::S("leaf");
  for (int i = 0; i < 30; ++i) v = AttributeValue::L({AttributeValue::M({{"k", v}})});
  EXPECT_EQ(parse_attribute_value_json(to_json(v)), v);
}

TEST(DynamoDbJson, RandomItemsRoundTrip) {
  std::mt19937_64 rng(20261123);
  for (int i = 0; i < 300; ++i) {
    const Item item = testing::random_item(rng);
    ASSERT_EQ(parse_item_json(to_json(item)), item) << to_json(item);
  }
}

}  // namespace
}  // namespace ddbcrypt
