#include "ddbcrypt/materials/materials_file.h"

#include <gtest/gtest.h>

#include <string>

#include "ddbcrypt/encryptor/item_encryptor.h"
#include "encryptor/encryptor_support.h"

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

}  // namespace
}  // namespace ddbcrypt
