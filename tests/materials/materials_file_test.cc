#include "ddbcrypt/materials/materials_file.h"

#include <gtest/gtest.h>

#include <string>

#include "ddbcrypt/encryptor/item_encryptor.h"
#include "ddbcrypt/materials/direct_kms_provider.h"
#include "ddbcrypt/materials/dynamodb_meta_store.h"
#include "ddbcrypt/materials/most_recent_provider.h"
#include "encryptor/encryptor_support.h"
#include "legacy/material_description.h"
#include "testing/fake_dynamodb.h"
#include "testing/fake_kms.h"

namespace ddbcrypt {
namespace {

using testing::expect_exact_throw;

std::string key_json(const char* type, const char* algorithm, const char* encoding,
                     const std::string& material) {
  return std::string("{\"type\": \"") + type + "\", \"algorithm\": \"" + algorithm +
         "\", \"encoding\": \"" + encoding + "\", \"material\": \"" + material + "\"}";
}

const std::string kAes = key_json("symmetric", "AES", "RAW", "AAECAwQFBgcICQoLDA0ODw==");
const std::string kHmac = key_json("symmetric", "HmacSHA256", "RAW", "AAECAwQFBgc=");

std::string rsa_private_der(const char* algorithm) {
  return key_json("private", algorithm, "DER", std::string(testing::kVectorRsaPrivateBase64));
}
std::string rsa_public_der(const char* algorithm) {
  return key_json("public", algorithm, "DER",
                  base64_encode(testing::vector_rsa_key().public_key().to_der()));
}

Item sample() {
  return Item{{"pk", AttributeValue::S("a")}, {"secret", AttributeValue::S("value")}};
}

CryptoConfig config_for(std::shared_ptr<const MaterialsProvider> p) {
  CryptoConfig c = testing::make_config(std::move(p));
  c.context.sort_key_name.reset();
  return c;
}

TEST(MaterialsFile, StaticInteroperatesWithEquivalentCodeConfiguredProvider) {
  const auto from_file = materials_from_json(R"({"provider": "static", "keys": {"decrypt": )" +
                                             kAes + R"(, "verify": )" + kHmac + "}}");
  const Item stored = encrypt_item(sample(), config_for(from_file));
  EXPECT_EQ(decrypt_item(stored, config_for(testing::vector_static_provider())), sample());
}

TEST(MaterialsFile, WrappedAesAndRsaRoundTrip) {
  const auto aes = materials_from_json(R"({"provider": "wrapped", "keys": {"decrypt": )" + kAes +
                                       R"(, "verify": )" + kHmac + "}}");
  EXPECT_EQ(decrypt_item(encrypt_item(sample(), config_for(aes)),
                         config_for(testing::wrapped_aes_provider(testing::vector_aes_key(),
                                                                  testing::vector_hmac_key()))),
            sample());
  const std::string rsa_file = R"({"provider": "wrapped", "keys": {"encrypt": )" +
                               rsa_public_der("RSA") + R"(, "decrypt": )" +
                               rsa_private_der("RSA") + R"(, "sign": )" +
                               rsa_private_der("SHA256withRSA") + R"(, "verify": )" +
                               rsa_public_der("SHA256withRSA") + "}}";
  const auto rsa = materials_from_json(rsa_file);
  EXPECT_EQ(decrypt_item(encrypt_item(sample(), config_for(rsa)), config_for(rsa)), sample());
}

TEST(MaterialsFile, PemMaterialAsTextOrBase64) {
  const std::string pem(testing::vector_rsa_key().public_key().to_pem());
  std::string escaped;
  for (char c : pem) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  const auto priv_pem = testing::vector_rsa_key().to_pem();
  const std::string priv_b64 = base64_encode(priv_pem.expose_secret());
  const std::string file = R"({"provider": "wrapped", "keys": {"encrypt": )" +
                           key_json("public", "RSA", "PEM", escaped) + R"(, "decrypt": )" +
                           key_json("private", "RSA", "PEM", priv_b64) + R"(, "verify": )" +
                           kHmac + "}}";
  const auto p = materials_from_json(file);
  EXPECT_EQ(decrypt_item(encrypt_item(sample(), config_for(p)), config_for(p)), sample());
}

TEST(MaterialsFile, OnlyTheKeysOfOneDirectionAreRequired) {
  // A verify-only RSA configuration decrypts what the full one wrote, and cannot encrypt.
  const std::string full = R"({"provider": "wrapped", "keys": {"decrypt": )" +
                           rsa_private_der("RSA") + R"(, "sign": )" +
                           rsa_private_der("SHA256withRSA") + "}}";
  const std::string reader = R"({"provider": "wrapped", "keys": {"decrypt": )" +
                             rsa_private_der("RSA") + R"(, "verify": )" +
                             rsa_public_der("SHA256withRSA") + "}}";
  const Item stored = encrypt_item(sample(), config_for(materials_from_json(full)));
  const auto r = materials_from_json(reader);
  EXPECT_EQ(decrypt_item(stored, config_for(r)), sample());
  expect_exact_throw<ConfigError>([&] { (void)encrypt_item(sample(), config_for(r)); });
  const std::string writer = R"({"provider": "wrapped", "keys": {"encrypt": )" +
                             rsa_public_der("RSA") + R"(, "sign": )" +
                             rsa_private_der("SHA256withRSA") + "}}";
  const auto w = materials_from_json(writer);
  EXPECT_EQ(decrypt_item(encrypt_item(sample(), config_for(w)), config_for(r)), sample());
  expect_exact_throw<ConfigError>([&] { (void)decrypt_item(stored, config_for(w)); });
}

TEST(MaterialsFile, BaseDescriptionSelectsWrapAlgorithm) {
  const auto p = materials_from_json(
      R"({"provider": "wrapped", "description": {"amzn-ddb-wrap-alg": "RSA/ECB/OAEPWithSHA-1AndMGF1Padding"}, "keys": {"decrypt": )" +
      rsa_private_der("RSA") + R"(, "verify": )" + kHmac + "}}");
  EXPECT_EQ(p->encryption_materials({}).description.at("amzn-ddb-wrap-alg"),
            "RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
}

TEST(MaterialsFile, RejectsMalformedFiles) {
  const std::vector<std::string> bad = {
      "",
      "[]",
      "{not json",
      R"({"keys": {}})",
      R"({"provider": "kms", "keys": {"verify": )" + kHmac + "}}",
      R"({"provider": "static", "keys": {}})",
      R"({"provider": "static", "keys": {"verify": )" + kHmac + R"(}, "extra": 1})",
      R"({"provider": "static", "keys": {"unwrap": )" + kHmac + "}}",
      R"({"provider": "static", "keys": {"verify": )" +
          key_json("symmetric", "HmacSHA1", "RAW", "AAECAwQFBgc=") + "}}",
      R"({"provider": "static", "keys": {"verify": )" +
          key_json("symmetric", "HmacSHA256", "RAW", "not base64!") + "}}",
      R"({"provider": "static", "keys": {"verify": )" +
          key_json("symmetric", "HmacSHA256", "DER", "AAECAwQFBgc=") + "}}",
      R"({"provider": "static", "keys": {"decrypt": )" +
          key_json("symmetric", "AES", "RAW", "AAECAwQFBgc=") + R"(, "verify": )" + kHmac + "}}",
      R"({"provider": "static", "keys": {"verify": )" +
          key_json("public", "SHA256withRSA", "DER", "AAECAwQFBgc=") + "}}",
      R"({"provider": "wrapped", "keys": {"encrypt": )" + rsa_private_der("RSA") +
          R"(, "verify": )" + kHmac + "}}",
      R"({"provider": "wrapped", "keys": {"decrypt": )" + rsa_private_der("SHA256withRSA") +
          R"(, "verify": )" + kHmac + "}}",
      R"({"provider": "wrapped", "keys": {"decrypt": )" + kAes + R"(, "verify": )" +
          rsa_private_der("RSA") + "}}",
  };
  for (const auto& file : bad) {
    const std::string message =
        expect_exact_throw<ConfigError>([&] { (void)materials_from_json(file); });
    // Never echoes key material.
    EXPECT_EQ(message.find("AAECAwQFBgc"), std::string::npos) << message;
  }
}

TEST(MaterialsFile, GeneratedFilesWork) {
  for (const char* kind : {"static", "wrapped-aes", "wrapped-rsa"}) {
    const std::string text = generate_materials_json(kind);
    const auto p = materials_from_json(text);
    EXPECT_EQ(decrypt_item(encrypt_item(sample(), config_for(p)), config_for(p)), sample()) << kind;
    EXPECT_NE(generate_materials_json(kind), text);  // fresh keys every time
  }
  expect_exact_throw<ConfigError>([] { (void)generate_materials_json("kms"); });
}

// ----- AWS kinds ------------------------------------------------------------------------------

struct Aws {
  std::map<std::string, std::shared_ptr<testing::FakeKms>> kms;  // by region
  std::vector<std::string> regions_asked;
  std::shared_ptr<testing::FakeDynamoDb> ddb = std::make_shared<testing::FakeDynamoDb>();
  MaterialsFileOptions options() {
    return {.kms_client =
                [this](const std::string& region) -> std::shared_ptr<aws::KmsClient> {
                  regions_asked.push_back(region);
                  const std::string name = region.empty() ? "us-east-1" : region;
                  auto& client = kms[name];
                  if (!client) client = std::make_shared<testing::FakeKms>(name);
                  return client;
                },
            .dynamodb_client = [this] { return ddb; }};
  }
  testing::FakeKms& region(const std::string& name) {
    auto& client = kms[name];
    if (!client) client = std::make_shared<testing::FakeKms>(name);
    return *client;
  }
};

MaterialDescription description_of(const Item& stored) {
  return internal::legacy::parse_material_description(
      stored.at(std::string(kMaterialDescriptionAttribute)).as_b());
}

TEST(MaterialsFile, AwsKmsUsesTheKeyAndContext) {
  Aws aws;
  const std::string key = aws.region("us-east-1").add_key();
  const auto p = materials_from_json(
      R"({"provider": "aws-kms", "key_id": ")" + key +
          R"(", "context": {"app": "orders"}, "grant_tokens": ["t1"],
              "description": {"amzn-ddb-env-alg": "AES/128"}})",
      aws.options());
  EXPECT_EQ(aws.regions_asked, std::vector<std::string>{""});  // a bare id: default region
  const Item stored = encrypt_item(sample(), config_for(p));
  EXPECT_EQ(decrypt_item(stored, config_for(p)), sample());
  EXPECT_EQ(description_of(stored).at("amzn-ddb-env-alg"), "AES/128");
  const auto calls = aws.region("us-east-1").recorded_calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].encryption_context.at("app"), "orders");
  EXPECT_EQ(calls[1].key_id, std::optional<std::string>(key));  // pinned by default

  // The same key without the extra context cannot read it; an equivalent code-configured
  // provider can.
  const auto plain = materials_from_json(
      R"({"provider": "aws-kms", "key_id": ")" + key + R"("})", aws.options());
  EXPECT_THROW((void)decrypt_item(stored, config_for(plain)), KmsError);
  std::shared_ptr<const MaterialsProvider> coded = DirectKmsMaterialsProvider::create(
      {.key_id = key,
       .kms = aws.kms["us-east-1"],
       .extra_encryption_context = {{"app", "orders"}}});
  EXPECT_EQ(decrypt_item(stored, config_for(std::move(coded))), sample());
}

TEST(MaterialsFile, AwsKmsArnPicksTheRegion) {
  Aws aws;
  testing::FakeKms& west = aws.region("eu-west-1");
  const std::string key = west.add_key();
  const auto p = materials_from_json(R"({"provider": "aws-kms", "key_id": ")" +
                                         west.key_arn(key) +
                                         R"(", "pin_key_id": false, "decrypt_cache": {
                                           "max_entries": 10, "max_age_seconds": 60}})",
                                     aws.options());
  EXPECT_EQ(aws.regions_asked, std::vector<std::string>{"eu-west-1"});
  const Item stored = encrypt_item(sample(), config_for(p));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(decrypt_item(stored, config_for(p)), sample());
  EXPECT_EQ(west.calls("Decrypt"), 1u);  // the cache answered twice
  EXPECT_FALSE(west.recorded_calls().back().key_id.has_value());  // not pinned
}

std::string static_meta_json() {
  return R"({"provider": "static", "keys": {"decrypt": )" + kAes + R"(, "verify": )" + kHmac +
         "}}";
}

TEST(MaterialsFile, MostRecentOverADynamoDbMetaTable) {
  Aws aws;
  (void)DynamoDbMetaStore::create_table(*aws.ddb, "meta");
  const std::string file = R"({"provider": "most-recent", "meta_table": "meta",
      "material_name": "orders", "ttl_seconds": 0.5, "cache_entries": 10,
      "meta_materials": )" + static_meta_json() + "}";
  const auto p = materials_from_json(file, aws.options());
  const Item stored = encrypt_item(sample(), config_for(p));  // creates version 0
  EXPECT_EQ(description_of(stored).at("amzn-ddb-meta-id"), "orders#0");
  EXPECT_EQ(aws.ddb->items("meta").size(), 1u);
  // A code-configured store over the same table with the same meta keys reads it.
  const std::shared_ptr<const MetaStore> store =
      DynamoDbMetaStore::create(aws.ddb, "meta", testing::vector_static_provider());
  const CryptoConfig coded =
      config_for(MostRecentProvider::create(store, "orders", std::chrono::minutes(1)));
  EXPECT_EQ(decrypt_item(stored, coded), sample());
  EXPECT_EQ(decrypt_item(encrypt_item(sample(), coded), config_for(p)), sample());
}

TEST(MaterialsFile, MostRecentWithKmsMetaMaterials) {
  Aws aws;
  (void)DynamoDbMetaStore::create_table(*aws.ddb, "meta");
  const std::string key = aws.region("us-east-1").add_key();
  const auto p = materials_from_json(
      R"({"provider": "most-recent", "meta_table": "meta", "material_name": "m",
          "meta_materials": {"provider": "aws-kms", "key_id": ")" + key + R"("}})",
      aws.options());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(decrypt_item(encrypt_item(sample(), config_for(p)), config_for(p)), sample());
  }
  EXPECT_EQ(aws.region("us-east-1").calls("GenerateDataKey"), 1u);  // one meta item
  EXPECT_EQ(aws.region("us-east-1").calls("Decrypt"), 0u);
}

// {"provider": "most-recent", <name>: <JSON text>, ...}
std::string most_recent(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = R"({"provider": "most-recent")";
  for (const auto& [name, json] : fields) out += ", \"" + name + "\": " + json;
  return out + "}";
}

TEST(MaterialsFile, RejectsMalformedAwsFiles) {
  Aws aws;
  const std::string meta = static_meta_json();
  const std::vector<std::string> bad = {
      R"({"provider": "aws-kms"})",
      R"({"provider": "aws-kms", "key_id": ""})",
      R"({"provider": "aws-kms", "key_id": 5})",
      R"({"provider": "aws-kms", "key_id": "k", "keys": {}})",
      R"({"provider": "aws-kms", "key_id": "k", "context": ["a"]})",
      R"({"provider": "aws-kms", "key_id": "k", "context": {"a": 1}})",
      R"({"provider": "aws-kms", "key_id": "k", "context": {"*aws-kms-table*": "x"}})",
      R"({"provider": "aws-kms", "key_id": "k", "grant_tokens": "t"})",
      R"({"provider": "aws-kms", "key_id": "k", "pin_key_id": "yes"})",
      R"({"provider": "aws-kms", "key_id": "k", "description": {"amzn-ddb-env-alg": "DES"}})",
      R"({"provider": "aws-kms", "key_id": "k", "decrypt_cache": {"max_entries": 0}})",
      R"({"provider": "aws-kms", "key_id": "k", "decrypt_cache": {"max_entries": 1.5}})",
      R"({"provider": "aws-kms", "key_id": "k", "decrypt_cache": {"max_age_seconds": -1}})",
      R"({"provider": "aws-kms", "key_id": "k", "decrypt_cache": {"size": 1}})",
      most_recent({{"material_name", "\"m\""}, {"meta_materials", meta}}),
      most_recent({{"meta_table", "\"t\""}, {"meta_materials", meta}}),
      most_recent({{"meta_table", "\"t\""}, {"material_name", "\"m\""}}),
      most_recent(
          {{"meta_table", "\"t\""}, {"material_name", "\"a#b\""}, {"meta_materials", meta}}),
      most_recent({{"meta_table", "\"\""}, {"material_name", "\"m\""}, {"meta_materials", meta}}),
      most_recent({{"meta_table", "\"t\""}, {"material_name", "\"m\""}, {"ttl_seconds", "-1"},
                   {"meta_materials", meta}}),
      most_recent({{"meta_table", "\"t\""}, {"material_name", "\"m\""}, {"ttl_seconds", "\"5\""},
                   {"meta_materials", meta}}),
      most_recent({{"meta_table", "\"t\""}, {"material_name", "\"m\""}, {"cache_entries", "0"},
                   {"meta_materials", meta}}),
      most_recent({{"meta_table", "\"t\""}, {"material_name", "\"m\""}, {"meta_materials", "3"}}),
      most_recent({{"meta_table", "\"t\""},
                   {"material_name", "\"m\""},
                   {"meta_materials", R"({"provider": "static", "keys": {"verify": )" +
                                          key_json("symmetric", "HmacSHA1", "RAW", "AAECAwQFBgc=") +
                                          "}}"}}),
  };
  for (const auto& file : bad) {
    SCOPED_TRACE(file);
    const std::string message =
        expect_exact_throw<ConfigError>([&] { (void)materials_from_json(file, aws.options()); });
    EXPECT_EQ(message.find("AAECAwQFBgc"), std::string::npos) << message;
  }
  // Nested errors say where they are.
  const std::string nested = expect_exact_throw<ConfigError>([&] {
    (void)materials_from_json(R"({"provider": "most-recent", "meta_table": "t",
        "material_name": "m", "meta_materials": {"provider": "aws-kms"}})",
                              aws.options());
  });
  EXPECT_NE(nested.find("meta_materials.key_id"), std::string::npos) << nested;
  // Most-recent providers nest only so deep.
  std::string deep = meta;
  for (int i = 0; i < 6; ++i) {
    deep = R"({"provider": "most-recent", "meta_table": "t", "material_name": "m",
               "meta_materials": )" + deep + "}";
  }
  expect_exact_throw<ConfigError>([&] { (void)materials_from_json(deep, aws.options()); });
  EXPECT_EQ(aws.ddb->calls("Query") + aws.ddb->calls("PutItem") + aws.ddb->calls("GetItem"), 0u);
}

}  // namespace
}  // namespace ddbcrypt
