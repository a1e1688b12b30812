// RSA-OAEP, RSAES-PKCS1-v1_5 and RSASSA-PKCS1-v1_5 against ciphertexts and signatures made by
// the OpenSSL command line with the reference vectors' key (keys.json rsaEncPriv/rsaEncPub).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "crypto/crypto_test_support.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

using testing::for_each_bit_flip;
using testing::for_each_truncation;
using testing::vector_key_material;
using testing::vector_rsa_private;
using testing::vector_rsa_public;

// Bytes 00 01 02 ... 1f: the plaintext of both captured ciphertexts.
SecretBytes counting_key() {
  Bytes b(32);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(i);
  return SecretBytes::copy_of(b);
}

// openssl pkeyutl -encrypt -pubin -keyform DER -inkey rsaEncPub.der -pkeyopt
//   rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha1
// i.e. JCE "RSA/ECB/OAEPWithSHA-256AndMGF1Padding", the legacy format's RSA wrapping.
constexpr std::string_view kOaepSha256Mgf1Sha1 =
    "CPCqXoY2IVrbwvmVP+a3R1hdLL3pEsHAy9Jjgn350wruplZEXP9m/Ojs4hiyYZQ1JT6y8uMdkvIdiO9/644YtU+tcY1S"
    "9yQjJYzV6id3D69/feE9ID9ds9+akeFiYL0FupqW6v1fU0m7bi9fV8ulxv3WkWa8jDu1GZ+p+UdDqF8TK8u3hXN82Wia"
    "MaQLJw/ThElVKgsajUCXOVzY8B6NRBSK4T/184s5Zg++uu0B3sXfok8XYnJISkWRCA4vDehVn4uOgT4tTKTvUd9IomRA"
    "nDRxIcx2hLcMaZTVAAU5Age/X+T/3JsDSq95Qpfkh911LC547ADI4YE0UWGZt8Q01Q==";

// openssl pkeyutl -encrypt ... -pkeyopt rsa_padding_mode:pkcs1 (JCE "RSA/ECB/PKCS1Padding").
constexpr std::string_view kPkcs1 =
    "ZGQlqW7hA5Wja9w2UUPcS1G2Ft8ntxsdUafjqkRM3XTju8eYsp4V92RZCuJ/U/YDeCbJaiMdGvcvwXrzDLEffaSI5UQ5"
    "LvOMqgWVlU8GZJ3QTH0Qy4xoJ+4UGDBxJp1N/YB3kkGb3kY8TsrHmm3V0MFvIi1Gp6NbuB7aiDSnV0VMzis3JsaemgrM"
    "sdpZjtEase2gl3WnMvvL1Jrk70stlARo7js6W8wd0reBlLrjVITsFuKUlqPuwuRIza+aVmIc4J+uVKVVDbSk/A5rKXt3"
    "RjItUjxEpcCLavU1p8K7aEvRKLcXwikMXkbSNgqa8bwuHlLQD14iFGYmXXuIT0Ku6w==";

// openssl dgst -sha256 -sign rsaEncPriv.pem / -sha384, over "string to sign".
// RSASSA-PKCS1-v1_5 is deterministic, so ours must be byte-identical.
constexpr std::string_view kSignedMessage = "string to sign";
constexpr std::string_view kSha256Signature =
    "sDHYfJUvDl7qtAXJMtfkH58Yj58tacvPvEXSWy3U2g1LZMFO8f4QdnMLPcmb9yxBioN1tvD0fWmgHx2j0Ct+bmY2inOz"
    "dzs02AScdX6t1GB7WbNWCa1zkoy1oT950Z1IyjI/ZBMPEsQCaBhbsqnkgaGwjOWa/RW0/3n7O3S6+IeTURcGgvodMsfB"
    "czp44QWYvSRKmBiYzMSxyDvi5bER3dMBEjqdXYiWVinja7l0fb7cbPhAUWgs3K3DrPS0jmBWIAz1LvQ/DWBRngyBlO3d"
    "YBHgpDcoPUvz5oZXGDnS+jsarOWnfUqctoGXMqYmlWVjBLVbjGcmSj4PFYewytpwuw==";
constexpr std::string_view kSha384Signature =
    "gQuVwFB9HdWpXJ71GZ5T/h/G7h1fWPVf5yilpABUFGYXO02A5s1OQXmtAKhA5qW3w8HnEoTpKQW3x1DTQ7Yg1flnDo7T"
    "m/mjXMpwXMiCEimivHY88Gy2TdRtHAW8enay/TMO6nps57XrWZyCqyURa0PIU/Xg4ypPNzyAhWcD9rA+x3kyOy9SRq8m"
    "oKYpZKPbhEcTMQDSytyxb/a5nr97NxKXpiTHbp31NgNAWKj4Wp28U6m7n2BL0X4g2o5h0Bxv205vbzkRcrU/Uy+LR1Yy"
    "XXaDrhIc3RDinWn0+ss3TTLMEKQS8MRHDSVTyu7HiKaFDymmMKHWgBaGBhofiT2EDg==";

// Runs `f`, which must throw DecryptionError (not a subclass) with the one uniform message.
template <class F>
void expect_rsa_decryption_failure(F&& f, const std::string& context) {
  try {
    f();
    ADD_FAILURE() << "decrypted: " << context;
  } catch (const SignatureError&) {
    ADD_FAILURE() << "SignatureError: " << context;
  } catch (const DecryptionError& e) {
    EXPECT_STREQ(e.what(), "RSA decryption failed") << context;
  }
}

TEST(RsaOaep, DecryptsOpensslSha256Mgf1Sha1Ciphertext) {
  const RsaPrivateKey key = vector_rsa_private();
  const SecretBytes plain = rsa_oaep_decrypt(key, HashAlgorithm::kSha256, HashAlgorithm::kSha1,
                                             base64_decode(kOaepSha256Mgf1Sha1));
  EXPECT_TRUE(plain == counting_key());
}

TEST(RsaOaep, HashesAreIndependentAndBothMatter) {
  const RsaPrivateKey key = vector_rsa_private();
  const Bytes ct = base64_decode(kOaepSha256Mgf1Sha1);
  for (auto [oaep, mgf1] : {std::pair{HashAlgorithm::kSha256, HashAlgorithm::kSha256},
                            std::pair{HashAlgorithm::kSha1, HashAlgorithm::kSha1},
                            std::pair{HashAlgorithm::kSha1, HashAlgorithm::kSha256},
                            std::pair{HashAlgorithm::kSha512, HashAlgorithm::kSha1}}) {
    expect_rsa_decryption_failure(
        [&] { (void)rsa_oaep_decrypt(key, oaep, mgf1, ct); },
        std::string(hash_name(oaep)) + "/" + std::string(hash_name(mgf1)));
  }
}

TEST(RsaOaep, RoundTripsEveryHashPairing) {
  const RsaPrivateKey key = vector_rsa_private();
  const RsaPublicKey pub = vector_rsa_public();
  const HashAlgorithm all[] = {HashAlgorithm::kSha1, HashAlgorithm::kSha224, HashAlgorithm::kSha256,
                               HashAlgorithm::kSha384, HashAlgorithm::kSha512};
  for (HashAlgorithm oaep : all) {
    for (HashAlgorithm mgf1 : {HashAlgorithm::kSha1, oaep}) {
      const SecretBytes secret = SecretBytes::random(32);
      const Bytes ct = rsa_oaep_encrypt(pub, oaep, mgf1, secret);
      EXPECT_EQ(ct.size(), 256u);
      EXPECT_TRUE(rsa_oaep_decrypt(key, oaep, mgf1, ct) == secret)
          << hash_name(oaep) << "/" << hash_name(mgf1);
    }
  }
  // Randomized padding: the same key encrypts differently each time.
  const SecretBytes secret = counting_key();
  EXPECT_NE(rsa_oaep_encrypt(pub, HashAlgorithm::kSha256, HashAlgorithm::kSha1, secret),
            rsa_oaep_encrypt(pub, HashAlgorithm::kSha256, HashAlgorithm::kSha1, secret));
}

TEST(RsaOaep, RefusesPlaintextLongerThanTheKeyAllows) {
  const RsaPublicKey pub = vector_rsa_public();
  // k - 2*hLen - 2 = 256 - 64 - 2 = 190 bytes for SHA-256.
  EXPECT_EQ(rsa_oaep_encrypt(pub, HashAlgorithm::kSha256, HashAlgorithm::kSha1,
                             SecretBytes::random(190))
                .size(),
            256u);
  EXPECT_THROW((void)rsa_oaep_encrypt(pub, HashAlgorithm::kSha256, HashAlgorithm::kSha1,
                                      SecretBytes::random(191)),
               EncryptionError);
}

TEST(RsaOaep, EveryBitFlipTruncationAndExtensionFailsWithOneMessage) {
  const RsaPrivateKey key = vector_rsa_private();
  const Bytes ct = base64_decode(kOaepSha256Mgf1Sha1);
  for_each_bit_flip(ct, [&](ByteView tampered, std::size_t bit) {
    expect_rsa_decryption_failure(
        [&] {
          (void)rsa_oaep_decrypt(key, HashAlgorithm::kSha256, HashAlgorithm::kSha1, tampered);
        },
        "bit " + std::to_string(bit));
  });
  for_each_truncation(ct, [&](ByteView prefix, std::size_t n) {
    expect_rsa_decryption_failure(
        [&] { (void)rsa_oaep_decrypt(key, HashAlgorithm::kSha256, HashAlgorithm::kSha1, prefix); },
        "length " + std::to_string(n));
  });
  Bytes longer = ct;
  longer.insert(longer.begin(), 0);  // same integer, one byte longer
  expect_rsa_decryption_failure(
      [&] { (void)rsa_oaep_decrypt(key, HashAlgorithm::kSha256, HashAlgorithm::kSha1, longer); },
      "leading zero");
}

TEST(RsaOaep, WrongGeneratedKeyFails) {
  const Bytes ct = base64_decode(kOaepSha256Mgf1Sha1);
  expect_rsa_decryption_failure(
      [&] {
        (void)rsa_oaep_decrypt(RsaPrivateKey::generate(2048), HashAlgorithm::kSha256,
                               HashAlgorithm::kSha1, ct);
      },
      "fresh key");
}

TEST(RsaOaep, UnknownHashIsAConfigErrorNotADecryptionFailure) {
  const Bytes ct = base64_decode(kOaepSha256Mgf1Sha1);
  EXPECT_THROW((void)rsa_oaep_decrypt(vector_rsa_private(), static_cast<HashAlgorithm>(0),
                                      HashAlgorithm::kSha1, ct),
               ConfigError);
}

TEST(RsaPkcs1, DecryptsOpensslCiphertextAndRoundTrips) {
  const RsaPrivateKey key = vector_rsa_private();
  EXPECT_TRUE(rsa_pkcs1_decrypt(key, base64_decode(kPkcs1)) == counting_key());
  const SecretBytes secret = SecretBytes::random(32);
  const Bytes ct = rsa_pkcs1_encrypt(vector_rsa_public(), secret);
  EXPECT_EQ(ct.size(), 256u);
  EXPECT_TRUE(rsa_pkcs1_decrypt(key, ct) == secret);
  EXPECT_THROW((void)rsa_pkcs1_encrypt(vector_rsa_public(), SecretBytes::random(246)),
               EncryptionError);
}

// A flip can, rarely, leave a well-formed PKCS#1 v1.5 block (this is why the legacy format
// signs the item before anything is decrypted); it must never give back the original key, and
// every rejection carries the same message.
TEST(RsaPkcs1, BitFlipsAndTruncationsNeverReturnTheKey) {
  const RsaPrivateKey key = vector_rsa_private();
  const Bytes ct = base64_decode(kPkcs1);
  const SecretBytes original = counting_key();
  int rejected = 0;
  for_each_bit_flip(ct, [&](ByteView tampered, std::size_t bit) {
    try {
      EXPECT_FALSE(rsa_pkcs1_decrypt(key, tampered) == original) << bit;
    } catch (const DecryptionError& e) {
      EXPECT_STREQ(e.what(), "RSA decryption failed") << bit;
      ++rejected;
    }
  });
  EXPECT_GT(rejected, 2000);
  for_each_truncation(ct, [&](ByteView prefix, std::size_t n) {
    expect_rsa_decryption_failure([&] { (void)rsa_pkcs1_decrypt(key, prefix); },
                                  "length " + std::to_string(n));
  });
}

TEST(RsaSignature, MatchesOpensslSignaturesByteForByte) {
  const RsaPrivateKey key = vector_rsa_private();
  EXPECT_EQ(base64_encode(rsa_sign(key, HashAlgorithm::kSha256, as_bytes(kSignedMessage))),
            kSha256Signature);
  EXPECT_EQ(base64_encode(rsa_sign(key, HashAlgorithm::kSha384, as_bytes(kSignedMessage))),
            kSha384Signature);
  EXPECT_TRUE(rsa_verify(vector_rsa_public(), HashAlgorithm::kSha256, as_bytes(kSignedMessage),
                         base64_decode(kSha256Signature)));
  EXPECT_TRUE(rsa_verify(vector_rsa_public(), HashAlgorithm::kSha384, as_bytes(kSignedMessage),
                         base64_decode(kSha384Signature)));
}

TEST(RsaSignature, SignsAndVerifiesWithEveryAllowedHash) {
  const RsaPrivateKey key = RsaPrivateKey::from_der(vector_key_material("rsaSignPriv"));
  const RsaPublicKey pub = RsaPublicKey::from_der(vector_key_material("rsaSignPub"));
  std::set<Bytes> signatures;
  for (HashAlgorithm hash : {HashAlgorithm::kSha224, HashAlgorithm::kSha256,
                             HashAlgorithm::kSha384, HashAlgorithm::kSha512}) {
    const Bytes sig = rsa_sign(key, hash, as_bytes(kSignedMessage));
    EXPECT_EQ(sig.size(), 256u);
    EXPECT_EQ(rsa_sign(key, hash, as_bytes(kSignedMessage)), sig) << "deterministic";
    EXPECT_TRUE(rsa_verify(pub, hash, as_bytes(kSignedMessage), sig)) << hash_name(hash);
    signatures.insert(sig);
  }
  EXPECT_EQ(signatures.size(), 4u);
}

TEST(RsaSignature, VerifyReturnsFalseForEveryTamperingAndNeverThrows) {
  const RsaPublicKey pub = vector_rsa_public();
  const Bytes sig = base64_decode(kSha256Signature);
  const ByteView message = as_bytes(kSignedMessage);
  for_each_bit_flip(sig, [&](ByteView tampered, std::size_t bit) {
    EXPECT_FALSE(rsa_verify(pub, HashAlgorithm::kSha256, message, tampered)) << bit;
  });
  for_each_truncation(sig, [&](ByteView prefix, std::size_t n) {
    EXPECT_FALSE(rsa_verify(pub, HashAlgorithm::kSha256, message, prefix)) << n;
  });
  Bytes longer = sig;
  longer.push_back(0);
  EXPECT_FALSE(rsa_verify(pub, HashAlgorithm::kSha256, message, longer));
  EXPECT_FALSE(rsa_verify(pub, HashAlgorithm::kSha256, as_bytes("string to sigN"), sig));
  EXPECT_FALSE(rsa_verify(pub, HashAlgorithm::kSha384, message, sig));
  EXPECT_FALSE(rsa_verify(RsaPrivateKey::generate(2048).public_key(), HashAlgorithm::kSha256,
                          message, sig));
}

TEST(RsaSignature, RejectsSha1AndUnknownHashes) {
  const RsaPrivateKey key = vector_rsa_private();
  EXPECT_THROW((void)rsa_sign(key, HashAlgorithm::kSha1, as_bytes("m")), ConfigError);
  EXPECT_THROW((void)rsa_sign(key, static_cast<HashAlgorithm>(7), as_bytes("m")), ConfigError);
  EXPECT_THROW((void)rsa_verify(key.public_key(), HashAlgorithm::kSha1, as_bytes("m"), Bytes(256)),
               ConfigError);
}

}  // namespace
}  // namespace ddbcrypt
