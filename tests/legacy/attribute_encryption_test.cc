#include "legacy/attribute_encryption.h"

#include <gtest/gtest.h>

#include <set>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "legacy/attribute_serialization.h"
#include "legacy/vector_files.h"

namespace ddbcrypt::internal::legacy {
namespace {

AesKey vector_aes_key() {
  return AesKey::create(SecretBytes::copy_of(hex_decode("000102030405060708090a0b0c0d0e0f")));
}

// Spec §9 example: stringValue of item 5/7 in python/static-aes-hmac-1.json.
TEST(AttributeEncryption, DecryptsReferenceCiphertext) {
  simdjson::dom::parser parser;
  const std::string text = testing::read_text_file(
      testing::legacy_vector_path("encrypted_item/ciphertext/python/static-aes-hmac-1.json"));
  for (simdjson::dom::element item : parser.parse(text)["TableName"].get_array()) {
    if (std::string_view(item["hashKey"]["N"]) != "5" ||
        std::string_view(item["rangeKey"]["N"]) != "7") {
      continue;
    }
    const Bytes ciphertext = base64_decode(std::string_view(item["stringValue"]["B"]));
    ASSERT_EQ(ciphertext.size(), 48u);
    const AttributeValue value = decrypt_attribute(vector_aes_key(), ciphertext);
    EXPECT_EQ(value, AttributeValue::S("Hello world!"));
    return;
  }
  FAIL() << "item 5/7 not found";
}

TEST(AttributeEncryption, RoundTripsWithFreshIvAndExpectedLength) {
  const AesKey key = vector_aes_key();
  const AttributeValue value = AttributeValue::L(
      {AttributeValue::S("x"), AttributeValue::N("1.50"), AttributeValue::B(Bytes(100, 7))});
  const std::size_t n = serialize_attribute(value).size();
  AttributeCipher cipher(key);
  const Bytes a = cipher.encrypt(value);
  const Bytes b = cipher.encrypt(value);
  EXPECT_EQ(a.size(), 16 + 16 * ((n + 1 + 15) / 16));
  EXPECT_NE(Bytes(a.begin(), a.begin() + 16), Bytes(b.begin(), b.begin() + 16));
  EXPECT_TRUE(equivalent(cipher.decrypt(a), value));
  EXPECT_TRUE(equivalent(decrypt_attribute(key, b), value));
}

// One cipher serves many attributes: IVs never repeat (also across IV batches), and a failed
// decryption leaves it usable.
TEST(AttributeEncryption, CipherIsReusableAcrossManyAttributes) {
  const AesKey key = vector_aes_key();
  AttributeCipher cipher(key);
  std::set<Bytes> ivs;
  for (int i = 0; i < 100; ++i) {
    const AttributeValue value = AttributeValue::N(std::to_string(i));
    const Bytes ct = cipher.encrypt(value);
    ivs.insert(Bytes(ct.begin(), ct.begin() + 16));
    EXPECT_EQ(cipher.decrypt(ct), value);
    Bytes bad = ct;
    bad.back() ^= 0x55;
    try {
      (void)cipher.decrypt(bad);
    } catch (const Error&) {
    }
    EXPECT_EQ(decrypt_attribute(key, ct), value);
    EXPECT_EQ(cipher.decrypt(ct), value);
  }
  EXPECT_EQ(ivs.size(), 100u);
}

TEST(AttributeEncryption, ShortOrMisalignedCiphertextIsADecryptionError) {
  const AesKey key = vector_aes_key();
  EXPECT_THROW((void)decrypt_attribute(key, Bytes(16, 0)), DecryptionError);
  EXPECT_THROW((void)decrypt_attribute(key, Bytes(33, 0)), DecryptionError);
}

TEST(AttributeEncryption, WrongKeyNeverReturnsTheValue) {
  const Bytes ct = encrypt_attribute(vector_aes_key(), AttributeValue::S("secret"));
  const AesKey other = AesKey::create(SecretBytes::copy_of(Bytes(16, 0x42)));
  try {
    const AttributeValue v = decrypt_attribute(other, ct);
    // Padding may verify by chance (about 1 in 256); the serialization then cannot match.
    EXPECT_NE(v, AttributeValue::S("secret"));
  } catch (const DecryptionError&) {
  } catch (const FormatError&) {
  }
}

}  // namespace
}  // namespace ddbcrypt::internal::legacy
