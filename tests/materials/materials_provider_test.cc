#include "ddbcrypt/materials/materials_provider.h"

#include <gtest/gtest.h>

#include "ddbcrypt/crypto/primitives.h"
#include "encryptor/encryptor_support.h"

namespace ddbcrypt {
namespace {

using testing::expect_exact_throw;

TEST(SigningKey, HmacSignsAndVerifiesInConstantTimeCompare) {
  const SigningKey key = SigningKey::hmac(testing::vector_hmac_key());
  EXPECT_EQ(key.algorithm(), "HmacSHA256");
  EXPECT_FALSE(key.is_rsa());
  EXPECT_TRUE(key.can_sign());
  const Bytes data = to_bytes("string to sign");
  const Bytes sig = key.sign(data);
  EXPECT_EQ(sig, hmac(testing::vector_hmac_key(), data));
  EXPECT_TRUE(key.verify(data, sig));
  Bytes bad = sig;
  bad.back() ^= 1;
  EXPECT_FALSE(key.verify(data, bad));
  EXPECT_FALSE(key.verify(data, ByteView(sig).first(31)));
  // The description cannot change how an HMAC is checked.
  const std::string other = "HmacSHA512";
  EXPECT_TRUE(key.verify(data, sig, &other));
}

TEST(SigningKey, RsaNamesAndVerifyOnly) {
  const SigningKey key = SigningKey::rsa(HashAlgorithm::kSha384, testing::vector_rsa_key());
  EXPECT_EQ(key.algorithm(), "SHA384withRSA");
  EXPECT_TRUE(key.is_rsa());
  const Bytes data = to_bytes("data");
  const Bytes sig = key.sign(data);
  EXPECT_EQ(sig.size(), 256u);
  EXPECT_TRUE(key.verify(data, sig));
  const SigningKey public_only =
      SigningKey::rsa_verify_only(HashAlgorithm::kSha384, testing::vector_rsa_key().public_key());
  EXPECT_FALSE(public_only.can_sign());
  EXPECT_TRUE(public_only.verify(data, sig));
  expect_exact_throw<ConfigError>([&] { (void)public_only.sign(data); });
  // A described RSA algorithm selects the hash (Java); an unknown or HMAC name is ignored.
  const SigningKey sha256 =
      SigningKey::rsa_verify_only(HashAlgorithm::kSha256, testing::vector_rsa_key().public_key());
  EXPECT_FALSE(sha256.verify(data, sig));
  const std::string described = "SHA384withRSA";
  EXPECT_TRUE(sha256.verify(data, sig, &described));
  const std::string hmac_name = "HmacSHA384";
  EXPECT_FALSE(sha256.verify(data, sig, &hmac_name));
}

TEST(StaticMaterialsProvider, RequiresSigningKeyAndReturnsConfiguredKeys) {
  expect_exact_throw<ConfigError>([] { (void)StaticMaterialsProvider::create({}); });
  const auto aes = std::make_shared<const AesKey>(testing::vector_aes_key());
  const auto provider = StaticMaterialsProvider::create(
      {.encryption_key = aes, .signing_key = SigningKey::hmac(testing::vector_hmac_key()),
       .description = {{"custom", "value"}}});
  const EncryptionMaterials enc = provider->encryption_materials({});
  EXPECT_EQ(enc.encryption_key, aes);
  EXPECT_EQ(enc.description, (MaterialDescription{{"custom", "value"}}));
  const DecryptionMaterials dec = provider->decryption_materials({});
  EXPECT_EQ(dec.decryption_key, aes);
}

TEST(WrappedMaterialsProvider, AesWrapDescription) {
  const auto provider =
      testing::wrapped_aes_provider(testing::vector_aes_key(), testing::vector_hmac_key());
  const EncryptionMaterials enc = provider->encryption_materials({});
  EXPECT_EQ(enc.description.at("amzn-ddb-env-alg"), "AES/256");
  EXPECT_EQ(enc.description.at("amzn-ddb-wrap-alg"), "AESWrap");
  EXPECT_EQ(enc.description.at("amzn-ddb-env-key").size(), 56u);  // AES-KW of 32 bytes
  EXPECT_EQ(enc.encryption_key->size(), 32u);
  EncryptionContext context;
  context.material_description = enc.description;
  const DecryptionMaterials dec = provider->decryption_materials(context);
  EXPECT_TRUE(dec.decryption_key->secret() == enc.encryption_key->secret());
  // A fresh content key per item.
  EXPECT_FALSE(provider->encryption_materials({}).encryption_key->secret() ==
               enc.encryption_key->secret());
}

TEST(WrappedMaterialsProvider, RsaDefaultsToOaepSha256AndHonoursConfiguredTransformations) {
  const auto provider =
      testing::wrapped_rsa_provider(testing::vector_rsa_key(), testing::vector_rsa_key());
  const EncryptionMaterials enc = provider->encryption_materials({});
  EXPECT_EQ(enc.description.at("amzn-ddb-wrap-alg"), "RSA/ECB/OAEPWithSHA-256AndMGF1Padding");
  EXPECT_EQ(base64_decode(enc.description.at("amzn-ddb-env-key")).size(), 256u);
  // OAEP-SHA-256 with MGF1-SHA-1, as the reference does.
  const SecretBytes unwrapped =
      rsa_oaep_decrypt(testing::vector_rsa_key(), HashAlgorithm::kSha256, HashAlgorithm::kSha1,
                       base64_decode(enc.description.at("amzn-ddb-env-key")));
  EXPECT_TRUE(unwrapped == enc.encryption_key->secret());

  for (const char* wrap : {"RSA/ECB/OAEPWithSHA-1AndMGF1Padding",
                           "RSA/ECB/OAEPWithSHA-384AndMGF1Padding",
                           "RSA/ECB/OAEPWithSHA-512AndMGF1Padding", "RSA/ECB/PKCS1Padding"}) {
    const auto p = testing::wrapped_rsa_provider(testing::vector_rsa_key(),
                                                 testing::vector_rsa_key(),
                                                 {{"amzn-ddb-wrap-alg", wrap}});
    const EncryptionMaterials m = p->encryption_materials({});
    EXPECT_EQ(m.description.at("amzn-ddb-wrap-alg"), wrap);
    EncryptionContext context;
    context.material_description = m.description;
    EXPECT_TRUE(p->decryption_materials(context).decryption_key->secret() ==
                m.encryption_key->secret())
        << wrap;
  }
}

TEST(WrappedMaterialsProvider, RejectsUnusableConfiguration) {
  expect_exact_throw<ConfigError>([] {
    (void)WrappedMaterialsProvider::create(
        {.wrapping_key = WrappingKey::aes(testing::vector_aes_key())});
  });
  expect_exact_throw<ConfigError>([] {
    (void)WrappedMaterialsProvider::create(
        {.signing_key = SigningKey::hmac(testing::vector_hmac_key())});
  });
  for (MaterialDescription bad : std::vector<MaterialDescription>{
           {{"amzn-ddb-wrap-alg", "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"}},  // AES key
           {{"amzn-ddb-wrap-alg", "Blowfish"}},
           {{"amzn-ddb-env-alg", "AES/512"}},
           {{"amzn-ddb-env-alg", "DES"}}}) {
    expect_exact_throw<ConfigError>([&] {
      (void)testing::wrapped_aes_provider(testing::vector_aes_key(), testing::vector_hmac_key(),
                                          bad);
    });
  }
  // One-directional providers fail in the direction they cannot serve.
  const auto decrypt_only = WrappedMaterialsProvider::create(
      {.unwrapping_key = UnwrappingKey::aes(testing::vector_aes_key()),
       .signing_key = SigningKey::hmac(testing::vector_hmac_key())});
  expect_exact_throw<ConfigError>([&] { (void)decrypt_only->encryption_materials({}); });
  const auto encrypt_only = WrappedMaterialsProvider::create(
      {.wrapping_key = WrappingKey::aes(testing::vector_aes_key()),
       .signing_key = SigningKey::hmac(testing::vector_hmac_key())});
  expect_exact_throw<ConfigError>([&] { (void)encrypt_only->decryption_materials({}); });
}

TEST(WrappedMaterialsProvider, ContentKeySizeFollowsDescription) {
  for (const auto& [alg, size] : {std::pair{"AES/128", 16u}, std::pair{"AES/192", 24u},
                                  std::pair{"AES", 32u}}) {
    const auto p = testing::wrapped_aes_provider(testing::vector_aes_key(),
                                                 testing::vector_hmac_key(),
                                                 {{"amzn-ddb-env-alg", alg}});
    const EncryptionMaterials m = p->encryption_materials({});
    EXPECT_EQ(m.encryption_key->size(), size) << alg;
    EXPECT_EQ(m.description.at("amzn-ddb-env-alg"), alg);
  }
}

}  // namespace
}  // namespace ddbcrypt
