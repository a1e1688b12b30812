// AES key wrap (RFC 3394): the RFC's vectors, round trips and tampering.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

#include "crypto/crypto_test_support.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

using testing::for_each_bit_flip;
using testing::for_each_truncation;
using testing::secret_hex;

constexpr std::string_view kKek128 = "000102030405060708090A0B0C0D0E0F";
constexpr std::string_view kKek192 = "000102030405060708090A0B0C0D0E0F1011121314151617";
constexpr std::string_view kKek256 =
    "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";
constexpr std::string_view kData128 = "00112233445566778899AABBCCDDEEFF";
constexpr std::string_view kData192 = "00112233445566778899AABBCCDDEEFF0001020304050607";
constexpr std::string_view kData256 =
    "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F";

struct WrapVector {
  const char* section;
  std::string_view kek;
  std::string_view key_data;
  std::string_view wrapped;
};
// RFC 3394 §4.1 - §4.6.
constexpr WrapVector kRfc3394[] = {
    {"4.1", kKek128, kData128, "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"},
    {"4.2", kKek192, kData128, "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D"},
    {"4.3", kKek256, kData128, "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7"},
    {"4.4", kKek192, kData192, "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2"},
    {"4.5", kKek256, kData192, "A8F9BC1612C68B3FF6E6F4FBE30E71E4769C8B80A32CB8958CD5D17D6B254DA1"},
    {"4.6", kKek256, kData256,
     "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"},
};

std::string upper_hex(ByteView data) {
  std::string hex = hex_encode(data);
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return hex;
}

TEST(AesKeyWrap, MatchesRfc3394Section4) {
  for (const WrapVector& v : kRfc3394) {
    const AesKey kek = AesKey::create(secret_hex(v.kek));
    const SecretBytes data = secret_hex(v.key_data);
    EXPECT_EQ(upper_hex(aes_key_wrap(kek, data)), v.wrapped) << v.section;
    EXPECT_TRUE(aes_key_unwrap(kek, hex_decode(v.wrapped)) == data) << v.section;
  }
}

TEST(AesKeyWrap, RoundTripsEveryKekAndKeySize) {
  for (std::size_t kek_size : {16u, 24u, 32u}) {
    const AesKey kek = AesKey::generate(kek_size);
    for (std::size_t key_size : {16u, 24u, 32u, 40u, 64u}) {
      const SecretBytes key = SecretBytes::random(key_size);
      const Bytes wrapped = aes_key_wrap(kek, key);
      EXPECT_EQ(wrapped.size(), key_size + 8);
      const SecretBytes unwrapped = aes_key_unwrap(kek, wrapped);
      EXPECT_EQ(unwrapped.size(), key_size);
      EXPECT_TRUE(unwrapped == key) << kek_size << "/" << key_size;
    }
  }
}

// OpenSSL's own RFC 3394 cipher, as an independent implementation to compare against.
Bytes openssl_wrap(const SecretBytes& kek, const SecretBytes& key) {
  const std::string name = "AES-" + std::to_string(kek.size() * 8) + "-WRAP";
  std::unique_ptr<EVP_CIPHER, decltype(&EVP_CIPHER_free)> cipher(
      EVP_CIPHER_fetch(nullptr, name.c_str(), nullptr), &EVP_CIPHER_free);
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      &EVP_CIPHER_CTX_free);
  Bytes out(key.size() + 8);
  int written = 0;
  int final_written = 0;
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (!cipher || !ctx ||
      EVP_EncryptInit_ex2(ctx.get(), cipher.get(), kek.expose_secret().data(), nullptr,
                          nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &written, key.expose_secret().data(),
                        static_cast<int>(key.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + written, &final_written) != 1) {
    ADD_FAILURE() << "OpenSSL " << name << " failed";
  }
  return out;
}

TEST(AesKeyWrap, AgreesWithOpensslsWrapCipherOnRandomKeys) {
  for (int round = 0; round < 20; ++round) {
    for (std::size_t kek_size : {16u, 24u, 32u}) {
      const SecretBytes kek = SecretBytes::random(kek_size);
      const SecretBytes key = SecretBytes::random(16 + 8 * static_cast<std::size_t>(round % 7));
      const Bytes wrapped = aes_key_wrap(AesKey::create(kek.clone()), key);
      EXPECT_EQ(wrapped, openssl_wrap(kek, key)) << kek_size << "/" << key.size();
      EXPECT_TRUE(aes_key_unwrap(AesKey::create(kek.clone()), wrapped) == key);
    }
  }
}

TEST(AesKeyWrap, RejectsKeysItCannotWrap) {
  const AesKey kek = AesKey::generate(16);
  for (std::size_t size : {0u, 8u, 15u, 17u, 20u, 31u}) {
    EXPECT_THROW((void)aes_key_wrap(kek, SecretBytes::random(size)), ConfigError) << size;
  }
}

TEST(AesKeyWrap, EveryBitFlipFailsUnwrap) {
  const AesKey kek = AesKey::create(secret_hex(kKek256));
  const Bytes wrapped = hex_decode(kRfc3394[5].wrapped);
  for_each_bit_flip(wrapped, [&](ByteView tampered, std::size_t bit) {
    EXPECT_THROW((void)aes_key_unwrap(kek, tampered), DecryptionError) << bit;
  });
}

TEST(AesKeyWrap, EveryTruncationAndExtensionFailsUnwrap) {
  const AesKey kek = AesKey::generate(32);
  const Bytes wrapped = aes_key_wrap(kek, SecretBytes::random(32));
  for_each_truncation(wrapped, [&](ByteView prefix, std::size_t n) {
    EXPECT_THROW((void)aes_key_unwrap(kek, prefix), DecryptionError) << n;
  });
  for (std::size_t extra : {1u, 8u, 16u}) {
    Bytes longer = wrapped;
    longer.resize(wrapped.size() + extra, 0xa6);
    EXPECT_THROW((void)aes_key_unwrap(kek, longer), DecryptionError) << extra;
  }
}

TEST(AesKeyWrap, WrongKekFailsWithOneMessage) {
  const Bytes wrapped = aes_key_wrap(AesKey::generate(16), SecretBytes::random(32));
  std::string message;
  for (std::size_t kek_size : {16u, 24u, 32u}) {
    try {
      (void)aes_key_unwrap(AesKey::generate(kek_size), wrapped);
      ADD_FAILURE() << "unwrapped with the wrong key";
    } catch (const DecryptionError& e) {
      if (message.empty()) message = e.what();
      EXPECT_EQ(message, e.what());
    }
  }
}

}  // namespace
}  // namespace ddbcrypt
