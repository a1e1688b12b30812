#include "ddbcrypt/crypto/keys.h"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

#include "crypto/crypto_test_support.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

using testing::as_text;
using testing::pem_wrap;
using testing::vector_key_material;
using testing::vector_rsa_private;

// A P-256 key pair and an Ed25519 public key, made with `openssl genpkey`: keys of other
// algorithms that must be refused by name.
constexpr std::string_view kEcPrivatePem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgC80zdJdJ0czeKkuV\n"
    "gb7TpvLYAqLqDxLBX+8xUvGJXTShRANCAATokjccXghCp4QcjvTYgbu+c3upxqVD\n"
    "PqTI8cvWh3yI/ItRvPChU6gGswXq0jeJlGiQsKQhUpWDbT6EnwzZYv3A\n"
    "-----END PRIVATE KEY-----\n";
constexpr std::string_view kEcPublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE6JI3HF4IQqeEHI702IG7vnN7qcal\n"
    "Qz6kyPHL1od8iPyLUbzwoVOoBrMF6tI3iZRokLCkIVKVg20+hJ8M2WL9wA==\n"
    "-----END PUBLIC KEY-----\n";
constexpr std::string_view kEd25519PublicDerB64 =
    "MCowBQYDK2VwAyEAYX6iBaG/r+pQGyclKoBvCccMZHLhtSUsL1o2Ub9Kr+k=";
// The EC key above, encrypted with `openssl pkcs8 -topk8 -v2 aes128 -passout pass:x`.
constexpr std::string_view kEncryptedPrivatePem =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiGVD8d704TBAICCAAw\n"
    "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEHuMO7hVx4mFkxHJlMIuWg0EgZAW\n"
    "peEFq5OC7LaKjW/xbk6lyNVXosM6Az108EWWUwdX8BggAAHlMmzl7NjRD2uKb0QA\n"
    "twxj/l9yc5Ip2XdRZ5866GroZQmZuGFq01lghilXT29kkyhsAYNo9HOhctb2EjkS\n"
    "jl0x3tbI9vI68waygUgY3plXW7GSSXzdJrWk7+kSK4vkoTTFK0FI4r/i9caHx10=\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n";

// Expects ConfigError whose message contains `needle`.
template <class F>
void expect_config_error(F&& f, std::string_view needle) {
  try {
    f();
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// PKCS#1 RSAPrivateKey inside the vector key's PKCS#8 wrapper: the wrapper is a 4-byte
// SEQUENCE header, version (3 bytes), AlgorithmIdentifier (15) and the OCTET STRING header (4).
Bytes vector_pkcs1_private_der() {
  const Bytes pkcs8 = vector_key_material("rsaEncPriv");
  EXPECT_EQ(pkcs8[22], 0x04);  // OCTET STRING
  return Bytes(pkcs8.begin() + 26, pkcs8.end());
}

// PKCS#1 RSAPublicKey inside the SubjectPublicKeyInfo: SEQUENCE header (4), AlgorithmIdentifier
// (15), BIT STRING header (4) and its unused-bits byte.
Bytes vector_pkcs1_public_der() {
  const Bytes spki = vector_key_material("rsaEncPub");
  EXPECT_EQ(spki[19], 0x03);  // BIT STRING
  return Bytes(spki.begin() + 24, spki.end());
}

TEST(AesKey, AcceptsOnlyAesKeySizes) {
  for (std::size_t size : {16u, 24u, 32u}) {
    EXPECT_EQ(AesKey::create(SecretBytes::random(size)).size(), size);
    EXPECT_EQ(AesKey::generate(size).size(), size);
  }
  for (std::size_t size : {0u, 1u, 8u, 15u, 17u, 20u, 31u, 33u, 48u, 64u}) {
    EXPECT_THROW((void)AesKey::create(SecretBytes::random(size)), ConfigError) << size;
    EXPECT_THROW((void)AesKey::generate(size), ConfigError) << size;
  }
}

TEST(AesKey, CloneHoldsTheSameSecret) {
  const AesKey key = AesKey::generate(32);
  EXPECT_TRUE(key.clone().secret() == key.secret());
  EXPECT_FALSE(AesKey::generate(32).secret() == key.secret());
}

TEST(HmacKey, RejectsEmptySha1AndUnknownHashes) {
  expect_config_error([] { (void)HmacKey::create(HashAlgorithm::kSha256, SecretBytes()); },
                      "must not be empty");
  expect_config_error(
      [] { (void)HmacKey::create(HashAlgorithm::kSha1, SecretBytes::random(32)); }, "SHA-1");
  expect_config_error(
      [] { (void)HmacKey::create(static_cast<HashAlgorithm>(42), SecretBytes::random(32)); },
      "unknown");
  EXPECT_THROW((void)HmacKey::generate(HashAlgorithm::kSha256, 0), ConfigError);
}

TEST(HmacKey, KeepsHashAndSecret) {
  const HmacKey key = HmacKey::create(HashAlgorithm::kSha384, SecretBytes::copy_of(as_bytes("k")));
  EXPECT_EQ(key.hash(), HashAlgorithm::kSha384);
  EXPECT_EQ(key.size(), 1u);
  EXPECT_EQ(as_text(key.secret()), "k");
  EXPECT_EQ(HmacKey::generate(HashAlgorithm::kSha512, 64).size(), 64u);
}

TEST(RsaPrivateKey, LoadsTheReferenceVectorKeys) {
  for (const char* name : {"rsaEncPriv", "rsaSignPriv"}) {
    const RsaPrivateKey key = RsaPrivateKey::from_der(vector_key_material(name));
    EXPECT_EQ(key.modulus_bits(), 2048u) << name;
  }
  // The public halves in keys.json are exactly what public_key() encodes.
  EXPECT_EQ(vector_rsa_private().public_key().to_der(), vector_key_material("rsaEncPub"));
  EXPECT_EQ(RsaPrivateKey::from_der(vector_key_material("rsaSignPriv")).public_key().to_der(),
            vector_key_material("rsaSignPub"));
}

TEST(RsaPrivateKey, DerAndPemRoundTrip) {
  const Bytes der = vector_key_material("rsaEncPriv");
  const RsaPrivateKey key = RsaPrivateKey::from_der(der);
  const SecretBytes encoded = key.to_der();
  EXPECT_EQ(Bytes(encoded.expose_secret().begin(), encoded.expose_secret().end()), der);
  const SecretBytes pem = key.to_pem();
  EXPECT_TRUE(as_text(pem).starts_with("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_TRUE(RsaPrivateKey::from_pem(as_text(pem)).to_der() == key.to_der());
  EXPECT_EQ(as_text(pem), pem_wrap("PRIVATE KEY", der));
}

TEST(RsaPrivateKey, ReadsPkcs1Encodings) {
  const RsaPrivateKey expected = vector_rsa_private();
  const Bytes pkcs1 = vector_pkcs1_private_der();
  EXPECT_TRUE(RsaPrivateKey::from_pem(pem_wrap("RSA PRIVATE KEY", pkcs1)).to_der() ==
              expected.to_der());
  EXPECT_TRUE(RsaPrivateKey::from_der(pkcs1).to_der() == expected.to_der());
}

TEST(RsaPublicKey, DerAndPemRoundTrip) {
  const Bytes der = vector_key_material("rsaEncPub");
  const RsaPublicKey key = RsaPublicKey::from_der(der);
  EXPECT_EQ(key.modulus_bits(), 2048u);
  EXPECT_EQ(key.to_der(), der);
  EXPECT_EQ(key.to_pem(), pem_wrap("PUBLIC KEY", der));
  EXPECT_EQ(RsaPublicKey::from_pem(key.to_pem()).to_der(), der);
}

TEST(RsaPublicKey, ReadsPkcs1Pem) {
  const RsaPublicKey key =
      RsaPublicKey::from_pem(pem_wrap("RSA PUBLIC KEY", vector_pkcs1_public_der()));
  EXPECT_EQ(key.to_der(), vector_key_material("rsaEncPub"));
}

TEST(RsaKeys, RejectGarbageTrailingBytesAndTruncation) {
  expect_config_error([] { (void)RsaPrivateKey::from_der(as_bytes("not a key")); }, "PKCS#8");
  expect_config_error([] { (void)RsaPublicKey::from_der(as_bytes("not a key")); },
                      "SubjectPublicKeyInfo");
  EXPECT_THROW((void)RsaPrivateKey::from_der({}), ConfigError);
  EXPECT_THROW((void)RsaPublicKey::from_der({}), ConfigError);
  EXPECT_THROW((void)RsaPublicKey::from_pem(""), ConfigError);
  EXPECT_THROW((void)RsaPrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END "
                                             "PRIVATE KEY-----\n"),
               ConfigError);

  Bytes private_der = vector_key_material("rsaEncPriv");
  Bytes public_der = vector_key_material("rsaEncPub");
  testing::for_each_truncation(public_der, [](ByteView prefix, std::size_t n) {
    EXPECT_THROW((void)RsaPublicKey::from_der(prefix), ConfigError) << n;
  });
  // Every 7th length keeps the private-key loop short; each decode tries several formats.
  for (std::size_t n = 0; n < private_der.size(); n += 7) {
    EXPECT_THROW((void)RsaPrivateKey::from_der(ByteView(private_der).first(n)), ConfigError) << n;
  }
  private_der.push_back(0);
  public_der.push_back(0);
  EXPECT_THROW((void)RsaPrivateKey::from_der(private_der), ConfigError);
  EXPECT_THROW((void)RsaPublicKey::from_der(public_der), ConfigError);
}

TEST(RsaKeys, RejectTheOtherHalfOfThePair) {
  const Bytes private_der = vector_key_material("rsaEncPriv");
  const Bytes public_der = vector_key_material("rsaEncPub");
  EXPECT_THROW((void)RsaPublicKey::from_der(private_der), ConfigError);
  EXPECT_THROW((void)RsaPrivateKey::from_der(public_der), ConfigError);
  EXPECT_THROW((void)RsaPublicKey::from_pem(pem_wrap("PRIVATE KEY", private_der)), ConfigError);
  EXPECT_THROW(
      (void)RsaPublicKey::from_pem(pem_wrap("RSA PRIVATE KEY", vector_pkcs1_private_der())),
      ConfigError);
  EXPECT_THROW((void)RsaPrivateKey::from_pem(pem_wrap("PUBLIC KEY", public_der)), ConfigError);
}

TEST(RsaKeys, RejectOtherAlgorithmsByName) {
  expect_config_error([] { (void)RsaPrivateKey::from_pem(kEcPrivatePem); }, "EC key, not an RSA");
  expect_config_error([] { (void)RsaPublicKey::from_pem(kEcPublicPem); }, "EC key, not an RSA");
  expect_config_error([] { (void)RsaPublicKey::from_der(base64_decode(kEd25519PublicDerB64)); },
                      "not an RSA key");
}

TEST(RsaKeys, RejectEncryptedPrivateKeysWithoutPrompting) {
  expect_config_error([] { (void)RsaPrivateKey::from_pem(kEncryptedPrivatePem); }, "encrypted");
}

TEST(RsaKeys, ErrorsNeverEchoKeyMaterial) {
  const std::string pem = pem_wrap("PRIVATE KEY", vector_key_material("rsaEncPriv"));
  std::string broken = pem;
  broken.replace(100, 4, "!!!!");
  try {
    (void)RsaPrivateKey::from_pem(broken);
    ADD_FAILURE() << "accepted a corrupted key";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find(pem.substr(28, 40)), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find(pem.substr(120, 40)), std::string::npos);
  }
}

TEST(RsaPrivateKey, GenerateMakesAWorkingPairOfTheRequestedSize) {
  expect_config_error([] { (void)RsaPrivateKey::generate(1024); }, "2048");
  EXPECT_THROW((void)RsaPrivateKey::generate(2047), ConfigError);
  EXPECT_THROW((void)RsaPrivateKey::generate(16385), ConfigError);
  const RsaPrivateKey key = RsaPrivateKey::generate(2048);
  EXPECT_EQ(key.modulus_bits(), 2048u);
  EXPECT_EQ(key.public_key().modulus_bits(), 2048u);
  EXPECT_TRUE(RsaPrivateKey::from_der(key.to_der().expose_secret()).to_der() == key.to_der());
  EXPECT_NE(key.public_key().to_der(), vector_key_material("rsaEncPub"));
  const Bytes sig = rsa_sign(key, HashAlgorithm::kSha256, as_bytes("m"));
  EXPECT_TRUE(rsa_verify(key.public_key(), HashAlgorithm::kSha256, as_bytes("m"), sig));
}

TEST(RsaKeys, CopiesAndMovesShareOneHandle) {
  static_assert(std::is_copy_constructible_v<RsaPublicKey>);
  RsaPrivateKey a = vector_rsa_private();
  const RsaPrivateKey b = a;
  EXPECT_EQ(&a.handle(), &b.handle());
  const RsaPrivateKey c = std::move(a);
  EXPECT_EQ(&c.handle(), &b.handle());
  // A moved-from key is still a usable key: moving an RSA key copies its handle pointer.
  EXPECT_EQ(a.modulus_bits(), 2048u);  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace ddbcrypt
