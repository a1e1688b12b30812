#include "legacy/string_to_sign.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "legacy/format.h"
#include "legacy/vector_files.h"

namespace ddbcrypt::internal::legacy {
namespace {

struct SignCase {
  int index = 0;
  std::string table;
  // name -> (value JSON, action)
  std::map<std::string, std::pair<std::string, std::string>> item;
  std::string expected_base64;
};

std::vector<SignCase> load_cases() {
  simdjson::dom::parser parser;
  const std::string text =
      testing::read_text_file(testing::legacy_vector_path("string_to_sign.json"));
  std::vector<SignCase> cases;
  int index = 0;
  for (simdjson::dom::element entry : parser.parse(text).get_array()) {
    SignCase c;
    c.index = index++;
    c.table = std::string(std::string_view(entry["table"]));
    for (auto [name, spec] : entry["item"].get_object()) {
      c.item.emplace(std::string(name),
                     std::make_pair(testing::json_text(spec["value"]),
                                    std::string(std::string_view(spec["action"]))));
    }
    c.expected_base64 = std::string(std::string_view(entry["string_to_sign"]));
    cases.push_back(std::move(c));
  }
  return cases;
}

class StringToSignVectors : public ::testing::TestWithParam<SignCase> {};

TEST_P(StringToSignVectors, MatchesReferenceBytes) {
  StringToSign sts(GetParam().table);
  for (const auto& [name, spec] : GetParam().item) {
    const auto& [value_json, action] = spec;
    if (action == "nothing") continue;
    ASSERT_TRUE(action == "sign" || action == "encrypt") << action;
    sts.add(name, parse_attribute_value_json(value_json), action == "encrypt");
  }
  EXPECT_EQ(base64_encode(sts.bytes()), GetParam().expected_base64);
}

INSTANTIATE_TEST_SUITE_P(Legacy, StringToSignVectors, ::testing::ValuesIn(load_cases()),
                         [](const auto& param_info) { return "case" + std::to_string(param_info.param.index); });

TEST(StringToSign, FlagHashConstantsAreTheHashesOfTheirWords) {
  EXPECT_EQ(Bytes(kEncryptedFlagHash.begin(), kEncryptedFlagHash.end()),
            sha256(as_bytes("ENCRYPTED")));
  EXPECT_EQ(Bytes(kPlaintextFlagHash.begin(), kPlaintextFlagHash.end()),
            sha256(as_bytes("PLAINTEXT")));
}

// Spec §8.3: item hashKey=0, rangeKey=1 of python/static-aes-hmac-1.json.
TEST(StringToSign, WorkedExample) {
  StringToSign sts("TableName");
  sts.add("hashKey", AttributeValue::N("0"), false);
  sts.add("rangeKey", AttributeValue::N("1"), false);
  const std::string plaintext = hex_encode(kPlaintextFlagHash);
  EXPECT_EQ(hex_encode(sts.bytes()),
            "3862c738e4a32855e9fb05861b14994f5389036fdd7690d9b86b698edaca83ac"
            "68b8815929f486f9256521da66ed47aa69c5d5efd5e0d0346516ff7b59331ae8" +
                plaintext +
                "9487a29ab6b4afbb43f105bcf90d681beb4d9379766327f407aeb832b9897500"
                "6c7e8210d3beadae2a71e0636322d69c516ea74215c4cc853dc11720a1cdf022" +
                plaintext + "b2acc31838bca8af5497366d1d6a9c8e9cbd7959a9911d03c925a77e5383c45c");
  const HmacKey key =
      HmacKey::create(HashAlgorithm::kSha256, SecretBytes::copy_of(hex_decode("0001020304050607")));
  EXPECT_EQ(base64_encode(hmac(key, sts.bytes())), "lBLoUXuc8TgsJJlItgBh6PJ1YVk52nvQE9aErEB8jK8=");
}

TEST(StringToSign, OnlyTableNameWhenNothingIsSigned) {
  StringToSign sts("T");
  EXPECT_EQ(sts.bytes(), sha256(as_bytes("TABLE>T<TABLE")));
}

TEST(StringToSign, RejectsNamesOutOfOrder) {
  StringToSign sts("T");
  sts.add("b", AttributeValue::Null(), false);
  EXPECT_THROW(sts.add("a", AttributeValue::Null(), false), ConfigError);
  EXPECT_THROW(sts.add("b", AttributeValue::Null(), false), ConfigError);
}

TEST(StringToSign, NumberDialectChangesOnlySensitiveNumbers) {
  StringToSign exact("T", NumberDialect::kExact);
  StringToSign python("T", NumberDialect::kPython);
  exact.add("n", AttributeValue::N("1.50"), false);
  python.add("n", AttributeValue::N("1.50"), false);
  EXPECT_EQ(exact.bytes(), python.bytes());
  StringToSign exact_zero("T", NumberDialect::kExact);
  StringToSign python_zero("T", NumberDialect::kPython);
  exact_zero.add("n", AttributeValue::N("-0"), false);
  python_zero.add("n", AttributeValue::N("-0"), false);
  EXPECT_NE(exact_zero.bytes(), python_zero.bytes());
}

}  // namespace
}  // namespace ddbcrypt::internal::legacy
