#include "ddbcrypt/item/dynamodb_json.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ddbcrypt/error.h"
#include "testing/random_item.h"

namespace ddbcrypt {
namespace {

using Type = AttributeValue::Type;

std::string error_of(std::string_view json) {
  try {
    (void)parse_item_json(json);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "<no FormatError>";
}

TEST(DynamoDbJson, EveryTypeRoundTripsWithAnExactSpelling) {
  const std::pair<AttributeValue, const char*> cases[] = {
      {AttributeValue::S("text"), R"({"S":"text"})"},
      {AttributeValue::S(""), R"({"S":""})"},
      {AttributeValue::N("-12.50"), R"({"N":"-12.50"})"},
      {AttributeValue::N("1E+2"), R"({"N":"1E+2"})"},
      {AttributeValue::B({0, 1, 2, 255}), R"({"B":"AAEC/w=="})"},
      {AttributeValue::B({}), R"({"B":""})"},
      {AttributeValue::SS({"b", "a"}), R"({"SS":["b","a"]})"},
      {AttributeValue::NS({"2", "1.5"}), R"({"NS":["2","1.5"]})"},
      {AttributeValue::BS({{1}, {}}), R"({"BS":["AQ==",""]})"},
      {AttributeValue::M({{"b", AttributeValue::Null()}, {"a", AttributeValue::Bool(false)}}),
       R"({"M":{"a":{"BOOL":false},"b":{"NULL":true}}})"},
      {AttributeValue::M({}), R"({"M":{}})"},
      {AttributeValue::L({AttributeValue::N("1"), AttributeValue::S("x")}),
       R"({"L":[{"N":"1"},{"S":"x"}]})"},
      {AttributeValue::L({}), R"({"L":[]})"},
      {AttributeValue::Bool(true), R"({"BOOL":true})"},
      {AttributeValue::Null(), R"({"NULL":true})"},
  };
  for (const auto& [value, json] : cases) {
    EXPECT_EQ(to_json(value), json);
    const AttributeValue back = parse_attribute_value_json(json);
    EXPECT_EQ(back, value) << json;
    EXPECT_EQ(back.type(), value.type()) << json;
    EXPECT_EQ(to_json(back), json);  // set member order is kept
  }
}

TEST(DynamoDbJson, ParsesAnItemWithWhitespaceAndEscapes) {
  const Item item = parse_item_json(R"( {
    "s": {"S": "h\u00e9llo \"q\" \ud83d\udd12 \\ \/"}, "n": {"N": "-12.50"},
    "b": {"B": "AAEC/w=="}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": ["AA==", "AQ=="]},
    "m": {"M": {"inner": {"L": [{"NULL": true}, {"BOOL": false}]}}},
    "t": {"BOOL": true}, "\u00fcber": {"S": ""}} )");
  EXPECT_EQ(item.size(), 9u);
  EXPECT_EQ(item.at("s").as_s(), "h\xC3\xA9llo \"q\" \xF0\x9F\x94\x92 \\ /");
  EXPECT_EQ(item.at("n").as_n(), "-12.50");
  EXPECT_EQ(item.at("b").as_b(), (Bytes{0, 1, 2, 255}));
  EXPECT_EQ(item.at("ss"), AttributeValue::SS({"b", "a"}));
  EXPECT_EQ(item.at("ns"), AttributeValue::NS({"1", "2.5"}));
  EXPECT_EQ(item.at("bs"), AttributeValue::BS({{0}, {1}}));
  EXPECT_FALSE(item.at("m").as_m().at("inner").as_l().at(1).as_bool());
  EXPECT_TRUE(item.at("t").as_bool());
  EXPECT_EQ(item.at("\xC3\xBC" "ber").as_s(), "");
  EXPECT_TRUE(parse_item_json("{}").empty());
}

TEST(DynamoDbJson, WritesCompactEscapedJson) {
  const Item item{{"a", AttributeValue::S("line\nbreak\x01\x1f\x7f\t\r\b\f\"\\/"
                                          "\xC3\xA9\xF0\x9F\x94\x92")},
                  {"b", AttributeValue::NS({"1", "2"})},
                  {"c", AttributeValue::M({{"x", AttributeValue::Null()}})},
                  {"quo\"te", AttributeValue::S(std::string("nul\0byte", 8))}};
  const std::string json = to_json(item);
  EXPECT_EQ(json,
            "{\"a\":{\"S\":\"line\\nbreak\\u0001\\u001f\x7f\\t\\r\\b\\f\\\"\\\\/"
            "\xC3\xA9\xF0\x9F\x94\x92\"},"
            "\"b\":{\"NS\":[\"1\",\"2\"]},\"c\":{\"M\":{\"x\":{\"NULL\":true}}},"
            "\"quo\\\"te\":{\"S\":\"nul\\u0000byte\"}}");
  EXPECT_EQ(parse_item_json(json), item);
}

TEST(DynamoDbJson, AppendVariantsAppend) {
  std::string out = "[";
  append_json(out, AttributeValue::N("1"));
  out += ',';
  append_json(out, Item{{"k", AttributeValue::S("v")}});
  out += ',';
  append_json_string(out, "a\"b");
  out += ']';
  EXPECT_EQ(out, R"([{"N":"1"},{"k":{"S":"v"}},"a\"b"])");
}

TEST(DynamoDbJson, RejectsMalformedInput) {
  const char* cases[] = {
      // Type tags.
      R"({"a": {"X": "1"}})",              // unknown tag
      R"({"a": {"s": "1"}})",              // tags are case-sensitive
      R"({"a": {"S": "1", "N": "1"}})",    // two tags
      R"({"a": {"S": "1", "S": "2"}})",    // the same tag twice
      R"({"a": {}})",                      // no tag
      R"({"a": "x"})",                     // value not an object
      R"({"a": null})",                    //
      R"({"a": ["S", "x"]})",              //
      // JSON types per tag.
      R"({"a": {"S": 1}})",                //
      R"({"a": {"S": null}})",             //
      R"({"a": {"N": 12}})",               // numbers are strings on the wire
      R"({"a": {"N": "12a"}})",            // invalid number
      R"({"a": {"N": ""}})",               //
      R"({"a": {"N": "1E+126"}})",         // out of range
      R"({"a": {"N": "1234567890123456789012345678901234567891"}})",  // 40 digits
      R"({"a": {"B": 1}})",                //
      R"({"a": {"B": "not base64!"}})",    // bad base64
      R"({"a": {"B": "AAE"}})",            // bad padding
      R"({"a": {"B": "AA E="}})",          // whitespace
      R"({"a": {"SS": "a"}})",             // set not an array
      R"({"a": {"SS": []}})",              // empty set
      R"({"a": {"SS": ["x", "x"]}})",      // duplicate
      R"({"a": {"SS": ["x", 1]}})",        // member not a string
      R"({"a": {"NS": []}})",              //
      R"({"a": {"NS": [1]}})",             // member not a string
      R"({"a": {"NS": ["1", "1.00"]}})",   // numeric duplicate
      R"({"a": {"NS": ["1", "one"]}})",    //
      R"({"a": {"BS": []}})",              //
      R"({"a": {"BS": ["AA==", "AA=="]}})",  //
      R"({"a": {"BS": ["AA==", "!!"]}})",  //
      R"({"a": {"BS": [0]}})",             //
      R"({"a": {"BOOL": "true"}})",        // BOOL not bool
      R"({"a": {"BOOL": 1}})",             //
      R"({"a": {"BOOL": null}})",          //
      R"({"a": {"NULL": false}})",         // NULL false
      R"({"a": {"NULL": "true"}})",        //
      R"({"a": {"NULL": null}})",          //
      R"({"a": {"L": {}}})",               // L not array
      R"({"a": {"L": [1]}})",              // element not a value object
      R"({"a": {"L": [{"S": "x"}, {}]}})", //
      R"({"a": {"M": []}})",               // M not object
      R"({"a": {"M": {"k": {"S": 1}}}})",  // nested error
      R"({"a": {"M": {"k": {"S": "1"}, "k": {"S": "2"}}}})",  // duplicate map key
      R"({"a": {"S": "x"}, "a": {"S": "y"}})",                // duplicate attribute
      // Documents.
      R"([])", R"("item")", R"(1)", R"(null)",  // item not an object
      R"({"a": {"S": "x"}} trailing)",          // trailing garbage
      R"({"a": {"S": "x"}} {})",                //
      R"({"a": {"S": "x"},})",                  // trailing comma
      R"({"a": )", R"({"a": {"S": "x"})",       // truncated
      R"({'a': {"S": "x"}})",                   // not JSON
      "", "   ", "\xEF\xBB\xBF{}",              // empty, blank, byte order mark
      "{\"a\": {\"S\": \"\xC3\x28\"}}",         // invalid UTF-8
      "{\"a\": {\"S\": \"tab\there\"}}",        // raw control character
      R"({"a": {"S": "\x"}})",                  // bad escape
  };
  for (const char* json : cases) {
    EXPECT_THROW((void)parse_item_json(json), FormatError) << json;
  }
  EXPECT_THROW((void)parse_attribute_value_json(R"({"S": "x"} 1)"), FormatError);
  EXPECT_THROW((void)parse_attribute_value_json(R"("x")"), FormatError);
  EXPECT_THROW((void)parse_attribute_value_json(R"({"S": "x", "N": "1"})"), FormatError);
}

TEST(DynamoDbJson, RejectsDeepNestingWithoutCrashing) {
  std::string json;
  const int depth = 5000;
  for (int i = 0; i < depth; ++i) json += R"({"L":[)";
  json += R"({"NULL":true})";
  for (int i = 0; i < depth; ++i) json += "]}";
  EXPECT_THROW((void)parse_attribute_value_json(json), FormatError);
}

TEST(DynamoDbJson, NestingUpToTheLimitRoundTrips) {
  AttributeValue v = AttributeValue::S("leaf");
  for (int i = 0; i < kMaxNestingDepth / 2; ++i) {
    v = AttributeValue::L({AttributeValue::M({{"k", v}})});
  }
  EXPECT_EQ(parse_attribute_value_json(to_json(v)), v);
  const Item item{{"a", v}};
  EXPECT_EQ(parse_item_json(to_json(item)), item);
  const AttributeValue deeper = AttributeValue::L({v});
  EXPECT_THROW((void)parse_attribute_value_json(to_json(deeper)), FormatError);
  const std::string message = [&] {
    try {
      (void)parse_item_json(to_json(Item{{"a", deeper}}));
    } catch (const FormatError& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  EXPECT_NE(message.find("nested too deeply"), std::string::npos) << message;
}

TEST(DynamoDbJson, ErrorsCarryAJsonPath) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"address": {"M": {"zip": {"N": "x"}}}})", "at $.address.M.zip.N: invalid number"},
      {R"({"address": {"M": {"zip": {"N": 5}}}})", "at $.address.M.zip.N: expected a string for N"},
      {R"({"tags": {"L": [{"S": "a"}, {"S": 1}]}})", "at $.tags.L[1].S: expected a string for S"},
      {R"({"tags": {"L": [{"S": "a"}, {"Q": 1}]}})", "at $.tags.L[1]: unknown type tag"},
      {R"({"ss": {"SS": ["a", 2]}})", "at $.ss.SS[1]: expected a string for SS"},
      {R"({"ss": {"SS": ["a", "a"]}})", "at $.ss.SS: an SS set must not contain duplicates"},
      {R"({"bs": {"BS": ["AA==", "A"]}})", "at $.bs.BS[1]: "},
      {R"({"n": {"NULL": false}})", "at $.n.NULL: NULL must be true"},
      {R"({"x": {"S": "a", "N": "1"}})", "at $.x: expected exactly one type tag"},
      {R"({"a.b": {"S": 1}})", "at $[\"a.b\"].S: "},
      {R"({"": {"S": 1}})", "at $[\"\"].S: "},
      {R"({"d": {"S": "1"}, "d": {"S": "2"}})", "at $.d: duplicate attribute name"},
      {R"([1])", "at $: an item must be a JSON object"},
  };
  for (const auto& [json, expected] : cases) {
    const std::string message = error_of(json);
    EXPECT_NE(message.find(expected), std::string::npos) << json << " -> " << message;
  }
  // Very long names are shortened, at a character boundary.
  const std::string long_name(100, 'n');
  const std::string message = error_of("{\"" + long_name + "\": {\"S\": 1}}");
  EXPECT_NE(message.find("$." + std::string(64, 'n') + "...."), std::string::npos) << message;
  EXPECT_EQ(message.find(long_name), std::string::npos) << message;
}

TEST(DynamoDbJson, ErrorsNeverEchoValues) {
  const char* secret = "hunter2-secret";
  const std::string cases[] = {
      std::string(R"({"address": {"M": {"zip": {"N": ")") + secret + R"("}}}})",
      std::string(R"({"a": {"B": ")") + secret + R"("}})",
      std::string(R"({"a": {"SS": [")") + secret + R"(", ")" + secret + R"("]}})",
      std::string(R"({"a": {"BOOL": ")") + secret + R"("}})",
      std::string(R"({"a": {")") + secret + R"(": "x"}})",  // a stray key in tag position
      std::string(R"({"a": {"S": ")") + secret + R"(", "N": "1"}})",
      std::string(R"({"a": {"S": ")") + secret + R"("}} )" + secret,
  };
  for (const auto& json : cases) {
    const std::string message = error_of(json);
    EXPECT_NE(message, "<no FormatError>") << json;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  }
  EXPECT_EQ(error_of(R"({"address": {"M": {"zip": {"N": "hunter2"}}}})"),
            "invalid DynamoDB JSON at $.address.M.zip.N: invalid number: not a decimal number");
}

TEST(DynamoDbJson, LargeDocumentsParse) {
  // Beyond the size kept in the thread's reusable parser.
  const std::string big(6 << 20, 'x');
  const Item item{{"big", AttributeValue::S(big)}, {"n", AttributeValue::N("1")}};
  EXPECT_EQ(parse_item_json(to_json(item)), item);
  EXPECT_EQ(parse_item_json(R"({"n": {"N": "2"}})").at("n").as_n(), "2");
}

TEST(DynamoDbJson, RandomItemsRoundTrip) {
  std::mt19937_64 rng(20261123);
  for (int i = 0; i < 500; ++i) {
    const Item item = testing::random_item(rng);
    const std::string json = to_json(item);
    const Item back = parse_item_json(json);
    ASSERT_EQ(back, item) << json;
    ASSERT_EQ(to_json(back), json);
  }
}

TEST(DynamoDbJson, RandomValuesRoundTripAtEveryDepth) {
  std::mt19937_64 rng(99);
  for (int depth = 0; depth <= 4; ++depth) {
    const testing::RandomItemOptions options{.max_depth = depth, .max_collection_size = 4};
    for (int i = 0; i < 100; ++i) {
      const AttributeValue value = testing::random_value(rng, options);
      ASSERT_EQ(parse_attribute_value_json(to_json(value)), value) << to_json(value);
    }
  }
}

TEST(DynamoDbJson, ParsersCanRunOnSeveralThreads) {
  std::mt19937_64 rng(5);
  std::vector<std::string> documents;
  std::vector<Item> items;
  for (int i = 0; i < 50; ++i) {
    items.push_back(testing::random_item(rng));
    documents.push_back(to_json(items.back()));
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (std::size_t i = 0; i < documents.size(); ++i) {
          if (!(parse_item_json(documents[i]) == items[i])) ++mismatches[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace ddbcrypt
