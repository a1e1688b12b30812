// AES-CBC/PKCS#7 and AES-GCM: published vectors, vectors captured from `openssl enc`, round
// trips, and tampering.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "crypto/aes_internal.h"
#include "crypto/crypto_test_support.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

using testing::for_each_bit_flip;
using testing::for_each_truncation;
using testing::secret_hex;

AesKey key_hex(std::string_view hex) { return AesKey::create(secret_hex(hex)); }

// NIST SP 800-38A, F.2.1 / F.2.3 / F.2.5 (CBC-AES128/192/256.Encrypt): four blocks, no padding.
constexpr std::string_view kSp80038aIv = "000102030405060708090a0b0c0d0e0f";
constexpr std::string_view kSp80038aPlaintext =
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
struct CbcVector {
  std::string_view key;
  std::string_view ciphertext;
};
constexpr CbcVector kSp80038a[] = {
    {"2b7e151628aed2a6abf7158809cf4f3c",
     "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
     "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"},
    {"8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
     "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
     "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"},
    {"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
     "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
     "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"},
};

TEST(AesCbc, MatchesNistSp80038aThenPadsWithAFullBlock) {
  for (const CbcVector& v : kSp80038a) {
    const AesKey key = key_hex(v.key);
    const Bytes out = internal::aes_cbc_encrypt_with_iv_for_testing(
        key, hex_decode(kSp80038aIv), hex_decode(kSp80038aPlaintext));
    // IV || the four NIST blocks || one block of PKCS#7 padding (0x10 x 16).
    ASSERT_EQ(out.size(), 16u + 64u + 16u) << v.key;
    EXPECT_EQ(hex_encode(ByteView(out).first(80)),
              std::string(kSp80038aIv) + std::string(v.ciphertext))
        << v.key;
    EXPECT_EQ(aes_cbc_decrypt(key, out), hex_decode(kSp80038aPlaintext)) << v.key;
  }
}

// Produced by `openssl enc -aes-<bits>-cbc -K <key> -iv <iv>` (PKCS#7 padding); decrypting them
// checks the padding removal against an independent encryptor.
struct OpensslEncVector {
  std::string_view key;
  std::string_view iv;
  std::string_view plaintext_hex;
  std::string_view ciphertext;
};
constexpr OpensslEncVector kOpensslEnc[] = {
    {"2b7e151628aed2a6abf7158809cf4f3c", "000102030405060708090a0b0c0d0e0f", kSp80038aPlaintext,
     "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
     "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"
     "8cb82807230e1321d3fae00d18cc2012"},
    {"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
     "0f0e0d0c0b0a09080706050403020100", "6464626372797074",  // "ddbcrypt"
     "1f64e1ff5ef59c3a0a21b238c23b4799"},
    {"8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "000102030405060708090a0b0c0d0e0f", "",
     "848a6fa7d2b3567bf57371a1a030e9de"},
};

TEST(AesCbc, DecryptsCiphertextsMadeByOpensslEnc) {
  for (const OpensslEncVector& v : kOpensslEnc) {
    const AesKey key = key_hex(v.key);
    const Bytes iv_and_ciphertext = hex_decode(std::string(v.iv) + std::string(v.ciphertext));
    EXPECT_EQ(hex_encode(aes_cbc_decrypt(key, iv_and_ciphertext)), v.plaintext_hex) << v.key;
    EXPECT_EQ(internal::aes_cbc_encrypt_with_iv_for_testing(key, hex_decode(v.iv),
                                                            hex_decode(v.plaintext_hex)),
              iv_and_ciphertext)
        << v.key;
  }
}

TEST(AesCbc, RoundTripsEveryLengthWithEveryKeySize) {
  for (std::size_t key_size : {16u, 24u, 32u}) {
    const AesKey key = AesKey::generate(key_size);
    for (std::size_t n = 0; n < 70; ++n) {
      const Bytes plain(n, static_cast<std::uint8_t>(n));
      const Bytes ct = aes_cbc_encrypt(key, plain);
      EXPECT_EQ(ct.size(), 16 + 16 * (n / 16 + 1)) << n;
      EXPECT_EQ(aes_cbc_decrypt(key, ct), plain) << key_size << "/" << n;
    }
  }
}

TEST(AesCbc, DrawsAFreshIvEveryTime) {
  const AesKey key = AesKey::generate(16);
  std::set<Bytes> ivs;
  for (int i = 0; i < 32; ++i) {
    const Bytes ct = aes_cbc_encrypt(key, as_bytes("same plaintext"));
    ivs.insert(Bytes(ct.begin(), ct.begin() + 16));
  }
  EXPECT_EQ(ivs.size(), 32u);
}

// Plaintext made of 'A' (0x41): no prefix of its blocks ends in valid PKCS#7 padding, so every
// block-aligned truncation must fail the padding check, deterministically.
TEST(AesCbc, RejectsEveryTruncation) {
  const AesKey key = AesKey::generate(32);
  const Bytes ct = aes_cbc_encrypt(key, Bytes(48, 'A'));
  ASSERT_EQ(ct.size(), 16u + 64u);
  for_each_truncation(ct, [&](ByteView prefix, std::size_t n) {
    EXPECT_THROW((void)aes_cbc_decrypt(key, prefix), DecryptionError) << n;
  });
  Bytes longer = ct;
  longer.push_back(0);
  EXPECT_THROW((void)aes_cbc_decrypt(key, longer), DecryptionError);
}

// CBC is not authenticated (callers verify a signature or MAC first), so a flip may decrypt to
// different bytes. What must hold: a flip never yields the original plaintext, and a flip in the
// block before the padding block always breaks the padding and is rejected.
TEST(AesCbc, BitFlipsNeverReturnTheOriginalAndPaddingDamageIsRejected) {
  const AesKey key = key_hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  const Bytes plain(32, 'A');
  const Bytes ct =
      internal::aes_cbc_encrypt_with_iv_for_testing(key, hex_decode(kSp80038aIv), plain);
  ASSERT_EQ(ct.size(), 64u);  // IV, two data blocks, padding block
  for_each_bit_flip(ct, [&](ByteView tampered, std::size_t bit) {
    const bool in_block_before_padding = bit / 8 >= 32 && bit / 8 < 48;
    try {
      const Bytes out = aes_cbc_decrypt(key, tampered);
      EXPECT_NE(out, plain) << bit;
      EXPECT_FALSE(in_block_before_padding) << bit;
    } catch (const DecryptionError&) {
    }
  });
}

TEST(AesCbc, WrongKeyFails) {
  const Bytes ct = internal::aes_cbc_encrypt_with_iv_for_testing(
      key_hex("2b7e151628aed2a6abf7158809cf4f3c"), hex_decode(kSp80038aIv), as_bytes("secret"));
  EXPECT_THROW((void)aes_cbc_decrypt(key_hex("2b7e151628aed2a6abf7158809cf4f3d"), ct),
               DecryptionError);
}

TEST(AesCbc, FixedIvHookChecksTheIvSize) {
  const AesKey key = AesKey::generate(16);
  EXPECT_THROW((void)internal::aes_cbc_encrypt_with_iv_for_testing(key, Bytes(15), {}),
               ConfigError);
}

// The GCM specification's test cases (McGrew & Viega), also in NIST's GCM validation set.
struct GcmVector {
  const char* name;
  std::string_view key;
  std::string_view nonce;
  std::string_view plaintext;
  std::string_view aad;
  std::string_view ciphertext;
  std::string_view tag;
};
constexpr std::string_view kGcmKey = "feffe9928665731c6d6a8f9467308308";
constexpr GcmVector kGcmVectors[] = {
    {"TC2", "00000000000000000000000000000000", "000000000000000000000000",
     "00000000000000000000000000000000", "", "0388dace60b6a392f328c2b971b2fe78",
     "ab6e47d42cec13bdf53a67b21257bddf"},
    {"TC3", kGcmKey, "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {"TC4", kGcmKey, "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {"TC16", "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

TEST(AesGcm, MatchesThePublishedVectors) {
  for (const GcmVector& v : kGcmVectors) {
    const AesKey key = key_hex(v.key);
    const Bytes expected = hex_decode(std::string(v.nonce) + std::string(v.ciphertext) +
                                      std::string(v.tag));
    EXPECT_EQ(internal::aes_gcm_encrypt_with_nonce_for_testing(
                  key, hex_decode(v.nonce), hex_decode(v.plaintext), hex_decode(v.aad)),
              expected)
        << v.name;
    EXPECT_EQ(hex_encode(aes_gcm_decrypt(key, expected, hex_decode(v.aad))), v.plaintext)
        << v.name;
  }
}

TEST(AesGcm, RoundTripsWithFreshNonces) {
  for (std::size_t key_size : {16u, 24u, 32u}) {
    const AesKey key = AesKey::generate(key_size);
    for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 1000u}) {
      const Bytes plain(n, 0x5a);
      const Bytes ct = aes_gcm_encrypt(key, plain, as_bytes("aad"));
      EXPECT_EQ(ct.size(), 12 + n + 16);
      EXPECT_EQ(aes_gcm_decrypt(key, ct, as_bytes("aad")), plain);
    }
  }
  const AesKey key = AesKey::generate(32);
  EXPECT_EQ(aes_gcm_decrypt(key, aes_gcm_encrypt(key, as_bytes("x"), {}), {}), to_bytes("x"));
  std::set<Bytes> nonces;
  for (int i = 0; i < 32; ++i) {
    const Bytes ct = aes_gcm_encrypt(key, as_bytes("same"), {});
    nonces.insert(Bytes(ct.begin(), ct.begin() + 12));
  }
  EXPECT_EQ(nonces.size(), 32u);
}

TEST(AesGcm, EveryBitFlipOfNonceCiphertextTagOrAadFailsAuthentication) {
  const AesKey key = AesKey::generate(32);
  const Bytes aad = to_bytes("table|attr|pk");
  const Bytes ct = aes_gcm_encrypt(key, as_bytes("secret value"), aad);
  for_each_bit_flip(ct, [&](ByteView tampered, std::size_t bit) {
    EXPECT_THROW((void)aes_gcm_decrypt(key, tampered, aad), SignatureError) << bit;
  });
  for_each_bit_flip(aad, [&](ByteView tampered_aad, std::size_t bit) {
    EXPECT_THROW((void)aes_gcm_decrypt(key, ct, tampered_aad), SignatureError) << bit;
  });
  EXPECT_THROW((void)aes_gcm_decrypt(key, ct, {}), SignatureError);
}

TEST(AesGcm, EveryTruncationFails) {
  const AesKey key = AesKey::generate(16);
  const Bytes ct = aes_gcm_encrypt(key, as_bytes("secret value"), {});
  for_each_truncation(ct, [&](ByteView prefix, std::size_t n) {
    if (n < 28) {
      EXPECT_THROW((void)aes_gcm_decrypt(key, prefix, {}), DecryptionError) << n;
      // Too short to hold nonce and tag: a format error, not an authentication failure.
      try {
        (void)aes_gcm_decrypt(key, prefix, {});
      } catch (const SignatureError&) {
        ADD_FAILURE() << "SignatureError for a " << n << "-byte input";
      } catch (const DecryptionError&) {
      }
    } else {
      EXPECT_THROW((void)aes_gcm_decrypt(key, prefix, {}), SignatureError) << n;
    }
  });
  Bytes longer = ct;
  longer.push_back(0);
  EXPECT_THROW((void)aes_gcm_decrypt(key, longer, {}), SignatureError);
}

TEST(AesGcm, WrongKeyFailsAuthentication) {
  const Bytes ct = aes_gcm_encrypt(AesKey::generate(32), as_bytes("secret"), {});
  EXPECT_THROW((void)aes_gcm_decrypt(AesKey::generate(32), ct, {}), SignatureError);
  EXPECT_THROW((void)aes_gcm_decrypt(AesKey::generate(16), ct, {}), SignatureError);
}

TEST(AesGcm, FixedNonceHookChecksTheNonceSize) {
  const AesKey key = AesKey::generate(16);
  EXPECT_THROW((void)internal::aes_gcm_encrypt_with_nonce_for_testing(key, Bytes(16), {}, {}),
               ConfigError);
}

}  // namespace
}  // namespace ddbcrypt
