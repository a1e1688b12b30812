#include "legacy/attribute_serialization.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "legacy/vector_files.h"

namespace ddbcrypt::internal::legacy {
namespace {

struct AttributeCase {
  int index = 0;
  std::string attribute_json;
  std::string serialized_base64;
};

std::vector<AttributeCase> load_attribute_cases(const char* file) {
  simdjson::dom::parser parser;
  const std::string text = testing::read_text_file(testing::legacy_vector_path(file));
  std::vector<AttributeCase> cases;
  int index = 0;
  for (simdjson::dom::element entry : parser.parse(text).get_array()) {
    cases.push_back({index++, testing::json_text(entry["attribute"]),
                     std::string(std::string_view(entry["serialized"]))});
  }
  return cases;
}

std::string case_name(const ::testing::TestParamInfo<AttributeCase>& info) {
  return "case" + std::to_string(info.param.index);
}

class SerializeAttributeVectors : public ::testing::TestWithParam<AttributeCase> {};

TEST_P(SerializeAttributeVectors, MatchesReferenceBytes) {
  const AttributeValue value = parse_attribute_value_json(GetParam().attribute_json);
  EXPECT_EQ(base64_encode(serialize_attribute(value)), GetParam().serialized_base64);
}

TEST_P(SerializeAttributeVectors, HashMatchesHashOfBytes) {
  const AttributeValue value = parse_attribute_value_json(GetParam().attribute_json);
  const Sha256Digest hash = hash_serialized_attribute(value);
  EXPECT_EQ(Bytes(hash.begin(), hash.end()), sha256(base64_decode(GetParam().serialized_base64)));
}

INSTANTIATE_TEST_SUITE_P(Legacy, SerializeAttributeVectors,
                         ::testing::ValuesIn(load_attribute_cases("serialize_attribute.json")),
                         case_name);

class DeserializeAttributeVectors : public ::testing::TestWithParam<AttributeCase> {};

TEST_P(DeserializeAttributeVectors, MatchesReferenceValue) {
  const AttributeValue expected = parse_attribute_value_json(GetParam().attribute_json);
  const AttributeValue actual = deserialize_attribute(base64_decode(GetParam().serialized_base64));
  // Sets compare unordered (AttributeValue's ==); numbers by value (spec §15.2).
  EXPECT_TRUE(equivalent(actual, expected)) << to_json(actual);
}

TEST_P(DeserializeAttributeVectors, ReserializesToTheSameBytes) {
  const Bytes bytes = base64_decode(GetParam().serialized_base64);
  EXPECT_EQ(serialize_attribute(deserialize_attribute(bytes)), bytes);
}

TEST_P(DeserializeAttributeVectors, EveryTruncationIsRejected) {
  const Bytes bytes = base64_decode(GetParam().serialized_base64);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW((void)deserialize_attribute(ByteView(bytes).first(n)), FormatError) << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Legacy, DeserializeAttributeVectors,
                         ::testing::ValuesIn(load_attribute_cases("deserialize_attribute.json")),
                         case_name);

// Spec §5.5, byte by byte.
TEST(AttributeSerialization, WorkedExamples) {
  EXPECT_EQ(hex_encode(serialize_attribute(AttributeValue::Null())), "0000");
  EXPECT_EQ(hex_encode(serialize_attribute(AttributeValue::Bool(true))), "003f01");
  EXPECT_EQ(hex_encode(serialize_attribute(AttributeValue::N("55.00"))), "006e000000023535");
  EXPECT_EQ(hex_encode(serialize_attribute(AttributeValue::S("test ascii string"))),
            "007300000011" + hex_encode(as_bytes("test ascii string")));
  EXPECT_EQ(hex_encode(serialize_attribute(AttributeValue::B({0, 1, 2, 3}))),
            "00620000000400010203");
  EXPECT_EQ(hex_encode(serialize_attribute(AttributeValue::NS({"55.2", "34", "35.0", "1.230"}))),
            "004e00000004"
            "00000004" + hex_encode(as_bytes("1.23")) + "00000002" + hex_encode(as_bytes("34")) +
            "00000002" + hex_encode(as_bytes("35")) + "00000004" + hex_encode(as_bytes("55.2")));
  EXPECT_EQ(hex_encode(serialize_attribute(AttributeValue::M(
                {{"c", AttributeValue::Bool(true)}, {"b", AttributeValue::Null()}}))),
            "004d00000002"
            "007300000001" "62" "0000"
            "007300000001" "63" "003f01");
}

TEST(AttributeSerialization, NumberSetSortsAsTextNotNumerically) {
  const Bytes bytes =
      serialize_attribute(AttributeValue::NS({"15", "7.6", "-3", "-34.2", "0"}));
  const AttributeValue back = deserialize_attribute(bytes);
  EXPECT_EQ(back.as_ns(), (std::vector<std::string>{"-3", "-34.2", "0", "15", "7.6"}));
}

TEST(AttributeSerialization, StringSetSortsByUtf8Bytes) {
  // U+FFFD (EF BF BD) sorts before U+1F600 (F0 9F 98 80) in UTF-8 byte (code point) order,
  // although Java's UTF-16 order would put the surrogate pair first (spec §14 D6).
  const AttributeValue set = AttributeValue::SS({"\xF0\x9F\x98\x80", "\xEF\xBF\xBD", "a"});
  EXPECT_EQ(deserialize_attribute(serialize_attribute(set)).as_ss(),
            (std::vector<std::string>{"a", "\xEF\xBF\xBD", "\xF0\x9F\x98\x80"}));
}

TEST(AttributeSerialization, BinarySetSortsByUnsignedBytes) {
  const AttributeValue set = AttributeValue::BS({{0x80}, {0x7f}, {0x7f, 0x00}});
  EXPECT_EQ(deserialize_attribute(serialize_attribute(set)).as_bs(),
            (std::vector<Bytes>{{0x7f}, {0x7f, 0x00}, {0x80}}));
}

TEST(AttributeSerialization, EmptyValuesSerializeWithZeroLengths) {
  EXPECT_EQ(hex_encode(serialize_attribute(AttributeValue::S(""))), "007300000000");
  EXPECT_EQ(hex_encode(serialize_attribute(AttributeValue::B({}))), "006200000000");
  EXPECT_EQ(hex_encode(serialize_attribute(AttributeValue::L({}))), "004c00000000");
  EXPECT_EQ(hex_encode(serialize_attribute(AttributeValue::M({}))), "004d00000000");
}

TEST(AttributeDeserialization, RejectsEmptyInput) {
  EXPECT_THROW((void)deserialize_attribute({}), FormatError);
}

TEST(AttributeDeserialization, RejectsNonZeroFirstTagByte) {
  EXPECT_THROW((void)deserialize_attribute(hex_decode("0173000000016100")), FormatError);
}

TEST(AttributeDeserialization, RejectsUnknownTagLetter) {
  EXPECT_THROW((void)deserialize_attribute(hex_decode("0078")), FormatError);
}

TEST(AttributeDeserialization, RejectsBadBoolByte) {
  EXPECT_THROW((void)deserialize_attribute(hex_decode("003f02")), FormatError);
}

TEST(AttributeDeserialization, RejectsNonStringMapKey) {
  // {count 1, key N "1", value NULL}
  EXPECT_THROW((void)deserialize_attribute(hex_decode("004d00000001006e00000001310000")),
               FormatError);
}

TEST(AttributeDeserialization, RejectsTrailingBytes) {
  EXPECT_THROW((void)deserialize_attribute(hex_decode("000000")), FormatError);
}

TEST(AttributeDeserialization, RejectsHugeCountWithoutAllocating) {
  EXPECT_THROW((void)deserialize_attribute(hex_decode("004cffffffff")), FormatError);
  EXPECT_THROW((void)deserialize_attribute(hex_decode("0073ffffffff61")), FormatError);
}

TEST(AttributeDeserialization, RejectsInvalidNumberText) {
  EXPECT_THROW((void)deserialize_attribute(hex_decode("006e00000001" "78")), FormatError);
}

Bytes nested_lists(int levels) {
  Bytes bytes;
  for (int i = 0; i < levels; ++i) {
    const Bytes level = hex_decode("004c00000001");
    bytes.insert(bytes.end(), level.begin(), level.end());
  }
  const Bytes null_value = hex_decode("0000");
  bytes.insert(bytes.end(), null_value.begin(), null_value.end());
  return bytes;
}

// The same bound as the item layer's JSON readers, so whatever decrypts can be written and
// read back as DynamoDB-JSON.
TEST(AttributeDeserialization, NestingBoundMatchesTheItemLayer) {
  EXPECT_NO_THROW((void)deserialize_attribute(nested_lists(ddbcrypt::kMaxNestingDepth)));
  EXPECT_THROW((void)deserialize_attribute(nested_lists(ddbcrypt::kMaxNestingDepth + 1)),
               FormatError);
}

TEST(AttributeDeserialization, KeepsDuplicateSetMembersAndLastMapKeyWins) {
  // SS with "a" twice; map {"k": true, "k": false}.
  const AttributeValue set =
      deserialize_attribute(hex_decode("005300000002" "0000000161" "0000000161"));
  EXPECT_EQ(set.as_ss().size(), 2u);
  const AttributeValue map = deserialize_attribute(
      hex_decode("004d00000002" "0073000000016b" "003f01" "0073000000016b" "003f00"));
  ASSERT_EQ(map.as_m().size(), 1u);
  EXPECT_FALSE(map.as_m().at("k").as_bool());
}

TEST(AttributeSerialization, DetectsDialectSensitiveNumbersAtAnyDepth) {
  EXPECT_FALSE(contains_dialect_sensitive_number(AttributeValue::N("1.5")));
  EXPECT_TRUE(contains_dialect_sensitive_number(AttributeValue::N("-0")));
  EXPECT_TRUE(contains_dialect_sensitive_number(AttributeValue::M(
      {{"a", AttributeValue::L({AttributeValue::NS({"1", "12345678901234567890123456789"})})}})));
  EXPECT_FALSE(contains_dialect_sensitive_number(AttributeValue::S("-0")));
}

}  // namespace
}  // namespace ddbcrypt::internal::legacy
