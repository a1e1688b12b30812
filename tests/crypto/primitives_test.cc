#include "ddbcrypt/crypto/primitives.h"

#include <gtest/gtest.h>

#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

SecretBytes secret_hex(std::string_view hex) { return SecretBytes::copy_of(hex_decode(hex)); }

// The 2048-bit RSA pair of the reference vectors (keys.json rsaEncPriv / rsaEncPub).
constexpr std::string_view kVectorRsaPrivate =
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC2I1ItK9P1wTFc5wPR0Zn0MUQwfDzz3mABlwJ1KmkOvFsPteBmJBhOWC3TnyLl9L6XXWC4BQm0q3mxna7wXHQr2nEx2VzMa29Al3H8tARMScud/MCKO8eKwnyHp1A5VzMzu3TUoiRLbhBkSXI76RioxYvK1RXhFIeeuci5S08cJ7ouJ4NZPb7VQGC7GC0W3XF1eWq4AItW/8SbfCnjRdxsjDOGouK1v3ytNj/CpKIZPPW6+8Ffjqf5/aPeB5koIQMaRZxdjDd0fiVG0NZNurB5Fxo0NP8wmzBCUGT9Sn0oLI3uCNfruC22II7qMyhM0N6MZ4mEbgN3ajS+afxYmWvnAgMBAAECggEBAIIU293zDWDZZ73oJ+w0fHXQsdjHAmlRitPX3CN99KZXk9m2ldudL9bUV3Zqk2wUzgIg6LDEuFfWmAVojsaP4VBopKtriEFfAYfqIbjPgLpTgh8FoyWW6D6MBJCFyGALjUAHQ7uRScathvt5ESMEqV3wKJTmdsfX97w/B8J+rLN33fT3ZJUck5duZ8XKD+UtX1Y3UE1hTWo3Ae2MFND964XyUqy+HaYXjH0x6dhZzqyJ/OJ/MPGeMJgxp+nUbMWerwxrLQceNFVgnQgHj8e8k4fd04rkowkkPua912gNtmz7DuIEvcMnY64z585cn+cnXUPJwtu3JbAmn/AyLsV9FLECgYEA798Ut/r+vORB16JDKFu38pQCgIbdCPkXeI0DC6u1cW8JFhgRqi+AqSrEy5SzY3IY7NVMSRsBI9Y026BlR9OQwTrOzLRAw26NPSDvbTkeYXlY9+hX7IovHjGkho/OxyTJ7bKRDYLoNCz56BC1khIWvECpcf/fZU0nqOFVFqF3H/UCgYEAwmJ4rjl5fksTNtNRL6ivkqkHIPKXzk5wC+L90HKNicic9bqyX8K4JRkGKSNYN3mkjrguAzUlEld390qNBw5Lu7PwATv0e2i+6hdwJsjTKNpj7Nh4Mieq6d7lWe1L8FLyHEhxgIeQ4BgqrVtPPOH8IBGpuzVZdWwIdgOvEvAi/usCgYBdfk3NB/+SEEW5jn0uldE0s4vmHKq6fJwxWIT/X4XxGJ4qBmecNbeoOAtMbkEdWbNtXBXHyMbA+RTRJctUG5ooNou0Le2wPr6+PMAVilXVGD8dIWpjv9htpFvENvkZlbU++IKhCY0ICR++3ARpUrOZ3Hou/NRN36y9nlZT48tSoQKBgES2Bi6fxmBsLUiN/f64xAc1lH2DA0I728N343xRYdK4hTMfYXoUHH+QjurvwXkqmI6ScEFWAdqv7IoPYjaCSSb6ffYRuWP+LK4WxuAO0QV53SSViDdCalntHmlhRhyXVVnGCckDIqT0JfHNev7savDzDWpNe2fUXlFJEBPDqrstAoGBAOpd5+QBHF/tP5oPILH4aD/zmqMH7VtB+b/fOPwtIM+B/WnU7hHLO5t2lJYu18Be3amPkfoQIB7bpkM3Cer2G7Jw+TcHrY+EtIziDB5vwau1fl4VcbA9SfWpBojJ5Ifo9ELVxGiK95WxeQNSmLUy7AJzhK1Gwey8a/v+xfqiu9sE";

RsaPrivateKey vector_rsa_key() { return RsaPrivateKey::from_der(base64_decode(kVectorRsaPrivate)); }

TEST(Digest, Sha256OfAbc) {
  EXPECT_EQ(hex_encode(sha256(as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hmac, Rfc4231TestCase2) {
  const HmacKey key = HmacKey::create(HashAlgorithm::kSha256, SecretBytes::copy_of(as_bytes("Jefe")));
  const Bytes mac = hmac(key, as_bytes("what do ya want for nothing?"));
  EXPECT_EQ(hex_encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_TRUE(hmac_verify(key, as_bytes("what do ya want for nothing?"), mac));
  Bytes tampered = mac;
  tampered[5] ^= 1;
  EXPECT_FALSE(hmac_verify(key, as_bytes("what do ya want for nothing?"), tampered));
  EXPECT_FALSE(hmac_verify(key, as_bytes("what do ya want for nothing?"), ByteView(mac).first(31)));
}

TEST(Hmac, Rfc4231TestCase1Sha512) {
  const HmacKey key = HmacKey::create(HashAlgorithm::kSha512, SecretBytes::copy_of(Bytes(20, 0x0b)));
  EXPECT_EQ(hex_encode(hmac(key, as_bytes("Hi There"))),
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
            "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
}

TEST(Hkdf, Rfc5869TestCase1) {
  const SecretBytes ikm = SecretBytes::copy_of(Bytes(22, 0x0b));
  const SecretBytes okm = hkdf_sha256(ikm, hex_decode("000102030405060708090a0b0c"),
                                      hex_decode("f0f1f2f3f4f5f6f7f8f9"), 42);
  EXPECT_EQ(hex_encode(okm.expose_secret()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(Hkdf, Rfc5869TestCase3EmptySaltIsZeroSalt) {
  const SecretBytes ikm = SecretBytes::copy_of(Bytes(22, 0x0b));
  const SecretBytes okm = hkdf_sha256(ikm, {}, {}, 42);
  EXPECT_EQ(hex_encode(okm.expose_secret()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(AesKeyWrap, Rfc3394Section41) {
  const AesKey kek = AesKey::create(secret_hex("000102030405060708090A0B0C0D0E0F"));
  const SecretBytes data = secret_hex("00112233445566778899AABBCCDDEEFF");
  const Bytes wrapped = aes_key_wrap(kek, data);
  EXPECT_EQ(hex_encode(wrapped), "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
  EXPECT_TRUE(aes_key_unwrap(kek, wrapped) == data);
}

TEST(AesKeyWrap, Rfc3394Section46) {
  const AesKey kek = AesKey::create(
      secret_hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"));
  const SecretBytes data =
      secret_hex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
  EXPECT_EQ(hex_encode(aes_key_wrap(kek, data)),
            "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21");
}

TEST(AesKeyWrap, EveryBitFlipAndTruncationFails) {
  const AesKey kek = AesKey::generate(16);
  const SecretBytes key = SecretBytes::random(32);
  const Bytes wrapped = aes_key_wrap(kek, key);
  for (std::size_t bit = 0; bit < wrapped.size() * 8; ++bit) {
    Bytes tampered = wrapped;
    tampered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_THROW((void)aes_key_unwrap(kek, tampered), DecryptionError) << bit;
  }
  for (std::size_t n = 0; n < wrapped.size(); ++n) {
    EXPECT_THROW((void)aes_key_unwrap(kek, ByteView(wrapped).first(n)), DecryptionError) << n;
  }
  EXPECT_THROW((void)aes_key_unwrap(AesKey::generate(16), wrapped), DecryptionError);
}

TEST(AesCbc, RoundTripsAllLengthsWithFreshIvs) {
  const AesKey key = AesKey::generate(32);
  for (std::size_t n = 0; n < 70; ++n) {
    const Bytes plain(n, static_cast<std::uint8_t>(n));
    const Bytes ct = aes_cbc_encrypt(key, plain);
    EXPECT_EQ(ct.size(), 16 + 16 * ((n + 16) / 16));
    EXPECT_EQ(aes_cbc_decrypt(key, ct), plain);
  }
  EXPECT_NE(aes_cbc_encrypt(key, as_bytes("same")), aes_cbc_encrypt(key, as_bytes("same")));
}

TEST(AesCbc, NistSp80038aDecrypt) {
  // SP 800-38A F.2.2 (CBC-AES128.Decrypt), first block.
  const AesKey key = AesKey::create(secret_hex("2b7e151628aed2a6abf7158809cf4f3c"));
  // IV || C1, with one block of PKCS#7 padding appended by encrypting it ourselves is not
  // possible with a fixed IV, so check the first block through a padded two-block message:
  // decryption of IV||C1||C2' must fail on padding, and of a real encryption must succeed.
  const Bytes iv_c1 = hex_decode("000102030405060708090a0b0c0d0e0f7649abac8119b246cee98e9b12e9197d");
  EXPECT_THROW((void)aes_cbc_decrypt(key, iv_c1), DecryptionError);  // no valid padding
}

TEST(AesCbc, RejectsShortOrUnalignedInput) {
  const AesKey key = AesKey::generate(16);
  const Bytes ct = aes_cbc_encrypt(key, as_bytes("hello"));
  for (std::size_t n = 0; n < ct.size(); ++n) {
    EXPECT_THROW((void)aes_cbc_decrypt(key, ByteView(ct).first(n)), DecryptionError) << n;
  }
}

TEST(AesGcm, RoundTripAndEveryBitFlipFails) {
  const AesKey key = AesKey::generate(32);
  const Bytes aad = to_bytes("table|attr");
  const Bytes ct = aes_gcm_encrypt(key, as_bytes("secret value"), aad);
  EXPECT_EQ(aes_gcm_decrypt(key, ct, aad), to_bytes("secret value"));
  for (std::size_t bit = 0; bit < ct.size() * 8; ++bit) {
    Bytes tampered = ct;
    tampered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_THROW((void)aes_gcm_decrypt(key, tampered, aad), SignatureError) << bit;
  }
  EXPECT_THROW((void)aes_gcm_decrypt(key, ct, as_bytes("other|attr")), SignatureError);
  for (std::size_t n = 0; n < 28; ++n) {
    EXPECT_THROW((void)aes_gcm_decrypt(key, ByteView(ct).first(n), aad), DecryptionError) << n;
  }
  for (std::size_t n = 28; n < ct.size(); ++n) {
    EXPECT_THROW((void)aes_gcm_decrypt(key, ByteView(ct).first(n), aad), SignatureError) << n;
  }
}

TEST(Keys, RejectWrongSizesAndEncodings) {
  EXPECT_THROW((void)AesKey::create(SecretBytes::random(15)), ConfigError);
  EXPECT_THROW((void)AesKey::create(SecretBytes::random(33)), ConfigError);
  EXPECT_THROW((void)HmacKey::create(HashAlgorithm::kSha256, SecretBytes()), ConfigError);
  EXPECT_THROW((void)RsaPrivateKey::from_der(as_bytes("not a key")), ConfigError);
  EXPECT_THROW((void)RsaPublicKey::from_der(as_bytes("not a key")), ConfigError);
  EXPECT_THROW((void)RsaPublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END"),
               ConfigError);
}

TEST(Keys, RsaDerAndPemRoundTrip) {
  const RsaPrivateKey priv = vector_rsa_key();
  EXPECT_EQ(priv.modulus_bits(), 2048u);
  const RsaPublicKey pub = priv.public_key();
  EXPECT_EQ(RsaPublicKey::from_pem(pub.to_pem()).to_der(), pub.to_der());
  const SecretBytes pem = priv.to_pem();
  const RsaPrivateKey again = RsaPrivateKey::from_pem(
      std::string_view(reinterpret_cast<const char*>(pem.expose_secret().data()), pem.size()));
  EXPECT_TRUE(again.to_der() == priv.to_der());
}

TEST(Rsa, OaepSha256Mgf1Sha1RoundTripAndWrongParametersFail) {
  const RsaPrivateKey priv = vector_rsa_key();
  const SecretBytes key = SecretBytes::random(32);
  const Bytes wrapped =
      rsa_oaep_encrypt(priv.public_key(), HashAlgorithm::kSha256, HashAlgorithm::kSha1, key);
  EXPECT_EQ(wrapped.size(), 256u);
  EXPECT_TRUE(rsa_oaep_decrypt(priv, HashAlgorithm::kSha256, HashAlgorithm::kSha1, wrapped) == key);
  EXPECT_THROW((void)rsa_oaep_decrypt(priv, HashAlgorithm::kSha256, HashAlgorithm::kSha256, wrapped),
               DecryptionError);
  Bytes tampered = wrapped;
  tampered[100] ^= 0x40;
  EXPECT_THROW((void)rsa_oaep_decrypt(priv, HashAlgorithm::kSha256, HashAlgorithm::kSha1, tampered),
               DecryptionError);
  EXPECT_THROW((void)rsa_oaep_decrypt(RsaPrivateKey::generate(2048), HashAlgorithm::kSha256,
                                      HashAlgorithm::kSha1, wrapped),
               DecryptionError);
}

TEST(Rsa, Pkcs1RoundTrip) {
  const RsaPrivateKey priv = vector_rsa_key();
  const SecretBytes key = SecretBytes::random(32);
  EXPECT_TRUE(rsa_pkcs1_decrypt(priv, rsa_pkcs1_encrypt(priv.public_key(), key)) == key);
}

TEST(Rsa, SignVerifyAndTamperedSignatureFails) {
  const RsaPrivateKey priv = vector_rsa_key();
  for (HashAlgorithm hash : {HashAlgorithm::kSha224, HashAlgorithm::kSha256,
                             HashAlgorithm::kSha384, HashAlgorithm::kSha512}) {
    const Bytes sig = rsa_sign(priv, hash, as_bytes("string to sign"));
    EXPECT_EQ(sig.size(), 256u);
    EXPECT_TRUE(rsa_verify(priv.public_key(), hash, as_bytes("string to sign"), sig));
    EXPECT_FALSE(rsa_verify(priv.public_key(), hash, as_bytes("string to sigN"), sig));
    Bytes tampered = sig;
    tampered[0] ^= 1;
    EXPECT_FALSE(rsa_verify(priv.public_key(), hash, as_bytes("string to sign"), tampered));
    EXPECT_FALSE(rsa_verify(priv.public_key(), hash, as_bytes("string to sign"),
                            ByteView(sig).first(255)));
  }
  const Bytes sig = rsa_sign(priv, HashAlgorithm::kSha256, as_bytes("x"));
  EXPECT_FALSE(rsa_verify(priv.public_key(), HashAlgorithm::kSha512, as_bytes("x"), sig));
}

TEST(SecretBytes, EqualityIsByContentAndCloneIsDeep) {
  const SecretBytes a = SecretBytes::copy_of(as_bytes("abc"));
  SecretBytes b = a.clone();
  EXPECT_TRUE(a == b);
  b.expose_secret_mutable()[0] = 'x';
  EXPECT_FALSE(a == b);
  EXPECT_FALSE(a == SecretBytes::copy_of(as_bytes("abcd")));
  EXPECT_EQ(SecretBytes::random(32).size(), 32u);
  EXPECT_FALSE(SecretBytes::random(32) == SecretBytes::random(32));
}

TEST(ConstantTimeEqual, ComparesSizeAndContent) {
  EXPECT_TRUE(constant_time_equal(as_bytes("abc"), as_bytes("abc")));
  EXPECT_FALSE(constant_time_equal(as_bytes("abc"), as_bytes("abd")));
  EXPECT_FALSE(constant_time_equal(as_bytes("abc"), as_bytes("ab")));
  EXPECT_TRUE(constant_time_equal({}, {}));
}

}  // namespace
}  // namespace ddbcrypt
