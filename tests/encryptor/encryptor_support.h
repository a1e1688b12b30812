// Keys, providers and assertions shared by the encryptor, materials and CLI tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <typeinfo>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/encryptor/item_encryptor.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/materials/materials_provider.h"
#include "ddbcrypt/materials/meta_store.h"
#include "ddbcrypt/materials/most_recent_provider.h"

namespace ddbcrypt::testing {

// keys.json of the legacy vectors.
inline constexpr std::string_view kVectorAesKeyHex = "000102030405060708090a0b0c0d0e0f";
inline constexpr std::string_view kVectorHmacKeyHex = "0001020304050607";
inline constexpr std::string_view kVectorRsaPrivateBase64 =
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC2I1ItK9P1wTFc5wPR0Zn0MUQwfDzz3mABlwJ1KmkOvFsPteBmJBhOWC3TnyLl9L6XXWC4BQm0q3mxna7wXHQr2nEx2VzMa29Al3H8tARMScud/MCKO8eKwnyHp1A5VzMzu3TUoiRLbhBkSXI76RioxYvK1RXhFIeeuci5S08cJ7ouJ4NZPb7VQGC7GC0W3XF1eWq4AItW/8SbfCnjRdxsjDOGouK1v3ytNj/CpKIZPPW6+8Ffjqf5/aPeB5koIQMaRZxdjDd0fiVG0NZNurB5Fxo0NP8wmzBCUGT9Sn0oLI3uCNfruC22II7qMyhM0N6MZ4mEbgN3ajS+afxYmWvnAgMBAAECggEBAIIU293zDWDZZ73oJ+w0fHXQsdjHAmlRitPX3CN99KZXk9m2ldudL9bUV3Zqk2wUzgIg6LDEuFfWmAVojsaP4VBopKtriEFfAYfqIbjPgLpTgh8FoyWW6D6MBJCFyGALjUAHQ7uRScathvt5ESMEqV3wKJTmdsfX97w/B8J+rLN33fT3ZJUck5duZ8XKD+UtX1Y3UE1hTWo3Ae2MFND964XyUqy+HaYXjH0x6dhZzqyJ/OJ/MPGeMJgxp+nUbMWerwxrLQceNFVgnQgHj8e8k4fd04rkowkkPua912gNtmz7DuIEvcMnY64z585cn+cnXUPJwtu3JbAmn/AyLsV9FLECgYEA798Ut/r+vORB16JDKFu38pQCgIbdCPkXeI0DC6u1cW8JFhgRqi+AqSrEy5SzY3IY7NVMSRsBI9Y026BlR9OQwTrOzLRAw26NPSDvbTkeYXlY9+hX7IovHjGkho/OxyTJ7bKRDYLoNCz56BC1khIWvECpcf/fZU0nqOFVFqF3H/UCgYEAwmJ4rjl5fksTNtNRL6ivkqkHIPKXzk5wC+L90HKNicic9bqyX8K4JRkGKSNYN3mkjrguAzUlEld390qNBw5Lu7PwATv0e2i+6hdwJsjTKNpj7Nh4Mieq6d7lWe1L8FLyHEhxgIeQ4BgqrVtPPOH8IBGpuzVZdWwIdgOvEvAi/usCgYBdfk3NB/+SEEW5jn0uldE0s4vmHKq6fJwxWIT/X4XxGJ4qBmecNbeoOAtMbkEdWbNtXBXHyMbA+RTRJctUG5ooNou0Le2wPr6+PMAVilXVGD8dIWpjv9htpFvENvkZlbU++IKhCY0ICR++3ARpUrOZ3Hou/NRN36y9nlZT48tSoQKBgES2Bi6fxmBsLUiN/f64xAc1lH2DA0I728N343xRYdK4hTMfYXoUHH+QjurvwXkqmI6ScEFWAdqv7IoPYjaCSSb6ffYRuWP+LK4WxuAO0QV53SSViDdCalntHmlhRhyXVVnGCckDIqT0JfHNev7savDzDWpNe2fUXlFJEBPDqrstAoGBAOpd5+QBHF/tP5oPILH4aD/zmqMH7VtB+b/fOPwtIM+B/WnU7hHLO5t2lJYu18Be3amPkfoQIB7bpkM3Cer2G7Jw+TcHrY+EtIziDB5vwau1fl4VcbA9SfWpBojJ5Ifo9ELVxGiK95WxeQNSmLUy7AJzhK1Gwey8a/v+xfqiu9sE";

inline AesKey vector_aes_key() {
  return AesKey::create(SecretBytes::copy_of(hex_decode(kVectorAesKeyHex)));
}
inline HmacKey vector_hmac_key() {
  return HmacKey::create(HashAlgorithm::kSha256, SecretBytes::copy_of(hex_decode(kVectorHmacKeyHex)));
}
// Generating RSA keys is slow: one pair per test binary.
inline const RsaPrivateKey& vector_rsa_key() {
  static const RsaPrivateKey key = RsaPrivateKey::from_der(base64_decode(kVectorRsaPrivateBase64));
  return key;
}
inline const RsaPrivateKey& other_rsa_key() {
  static const RsaPrivateKey key = RsaPrivateKey::generate(2048);
  return key;
}

inline std::shared_ptr<const MaterialsProvider> static_provider(AesKey aes, HmacKey mac) {
  return StaticMaterialsProvider::create(
      {.encryption_key = std::make_shared<const AesKey>(std::move(aes)),
       .signing_key = SigningKey::hmac(std::move(mac))});
}
inline std::shared_ptr<const MaterialsProvider> vector_static_provider() {
  return static_provider(vector_aes_key(), vector_hmac_key());
}
inline std::shared_ptr<const MaterialsProvider> wrapped_aes_provider(
    AesKey wrapping, HmacKey mac, MaterialDescription description = {}) {
  return WrappedMaterialsProvider::create({.wrapping_key = WrappingKey::aes(wrapping.clone()),
                                           .unwrapping_key = UnwrappingKey::aes(std::move(wrapping)),
                                           .signing_key = SigningKey::hmac(std::move(mac)),
                                           .description = std::move(description)});
}
inline std::shared_ptr<const MaterialsProvider> wrapped_rsa_provider(
    const RsaPrivateKey& wrap, const RsaPrivateKey& sign, MaterialDescription description = {},
    HashAlgorithm hash = HashAlgorithm::kSha256) {
  return WrappedMaterialsProvider::create({.wrapping_key = WrappingKey::rsa(wrap.public_key()),
                                           .unwrapping_key = UnwrappingKey::rsa(wrap),
                                           .signing_key = SigningKey::rsa(hash, sign),
                                           .description = std::move(description)});
}
inline std::shared_ptr<const MaterialsProvider> most_recent_provider(std::string material_name = "m") {
  std::shared_ptr<const MetaStore> store =
      InMemoryMetaStore::create("meta", vector_static_provider());
  return MostRecentProvider::create(store, std::move(material_name), std::chrono::minutes(5));
}

inline CryptoConfig make_config(std::shared_ptr<const MaterialsProvider> provider,
                                AttributeActions actions = AttributeActions::create(),
                                std::string table = "Table") {
  return CryptoConfig{
      .provider = std::move(provider),
      .context = {.table_name = std::move(table), .partition_key_name = "pk",
                  .sort_key_name = std::string("sk")},
      .actions = std::move(actions),
  };
}

// Runs `f`, which must throw exactly `E` (not a subclass): returns the message.
template <class E, class F>
std::string expect_exact_throw(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    EXPECT_EQ(typeid(e), typeid(E)) << "threw " << typeid(e).name() << ": " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no exception thrown (expected " << typeid(E).name() << ")";
  return {};
}

}  // namespace ddbcrypt::testing
