// HMAC (RFC 4231 vectors, verification, sharing one key between threads) and HKDF (RFC 5869).
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "crypto/crypto_test_support.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

using testing::for_each_bit_flip;
using testing::for_each_truncation;

struct HmacVector {
  int test_case;
  Bytes key;
  Bytes data;
  // HMAC-SHA-224, -256, -384, -512; test case 5 gives only the first 128 bits.
  std::string_view expected[4];
};

std::vector<HmacVector> rfc4231() {
  return {
      {1, Bytes(20, 0x0b), to_bytes("Hi There"),
       {"896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
        "faea9ea9076ede7f4af152e8b2fa9cb6",
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
        "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"}},
      {2, to_bytes("Jefe"), to_bytes("what do ya want for nothing?"),
       {"a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
        "8e2240ca5e69e2c78b3239ecfab21649",
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"}},
      {3, Bytes(20, 0xaa), Bytes(50, 0xdd),
       {"7fb3cb3588c6c1f6ffa9694d7d6ad2649365b0c1f65d69d1ec8333ea",
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
        "2a5ab39dc13814b94e3ab6e101a34f27",
        "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
        "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"}},
      {4, hex_decode("0102030405060708090a0b0c0d0e0f10111213141516171819"), Bytes(50, 0xcd),
       {"6c11506874013cac6a2abc1bb382627cec6a90d86efc012de7afec5a",
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
        "6801dd23c4a7d679ccf8a386c674cffb",
        "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
        "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"}},
      {5, Bytes(20, 0x0c), to_bytes("Test With Truncation"),
       {"0e2aea68a90c8d37c988bcdb9fca6fa8", "a3b6167473100ee06e0c796c2955552b",
        "3abf34c3503b2a23a46efc619baef897", "415fad6271580a531d4179bc891d87a6"}},
      {6, Bytes(131, 0xaa), to_bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
       {"95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
        "0c2ef6ab4030fe8296248df163f44952",
        "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
        "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"}},
      {7, Bytes(131, 0xaa),
       to_bytes("This is a test using a larger than block-size key and a larger than "
                "block-size data. The key needs to be hashed before being used by the HMAC "
                "algorithm."),
       {"3a854166ac5d9f023f54d517d0b39dbd946770db9c2b95c9f6f565d1",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
        "a678cc31e799176d3860e6110c46523e",
        "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
        "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"}},
  };
}

constexpr HashAlgorithm kHmacHashes[] = {HashAlgorithm::kSha224, HashAlgorithm::kSha256,
                                         HashAlgorithm::kSha384, HashAlgorithm::kSha512};

TEST(Hmac, MatchesRfc4231) {
  for (const HmacVector& v : rfc4231()) {
    for (std::size_t i = 0; i < 4; ++i) {
      const HmacKey key = HmacKey::create(kHmacHashes[i], SecretBytes::copy_of(v.key));
      const Bytes mac = hmac(key, v.data);
      EXPECT_EQ(mac.size(), digest_size(kHmacHashes[i]));
      if (v.test_case == 5) {
        EXPECT_EQ(hex_encode(ByteView(mac).first(16)), v.expected[i]) << hash_name(kHmacHashes[i]);
      } else {
        EXPECT_EQ(hex_encode(mac), v.expected[i])
            << "test case " << v.test_case << " " << hash_name(kHmacHashes[i]);
        EXPECT_TRUE(hmac_verify(key, v.data, hex_decode(v.expected[i])));
      }
    }
  }
}

TEST(Hmac, VerifyRejectsEveryBitFlipTruncationAndExtension) {
  const HmacKey key = HmacKey::generate(HashAlgorithm::kSha256, 32);
  const Bytes data = to_bytes("string to sign");
  const Bytes mac = hmac(key, data);
  ASSERT_TRUE(hmac_verify(key, data, mac));
  for_each_bit_flip(mac, [&](ByteView tampered, std::size_t bit) {
    EXPECT_FALSE(hmac_verify(key, data, tampered)) << bit;
  });
  for_each_truncation(mac, [&](ByteView prefix, std::size_t n) {
    EXPECT_FALSE(hmac_verify(key, data, prefix)) << n;
  });
  Bytes longer = mac;
  longer.push_back(0);
  EXPECT_FALSE(hmac_verify(key, data, longer));
  for_each_bit_flip(data, [&](ByteView tampered_data, std::size_t bit) {
    EXPECT_FALSE(hmac_verify(key, tampered_data, mac)) << bit;
  });
}

TEST(Hmac, VerifyRejectsWrongKeyAndWrongHash) {
  const SecretBytes secret = SecretBytes::random(32);
  const HmacKey key = HmacKey::create(HashAlgorithm::kSha256, secret.clone());
  const Bytes mac = hmac(key, as_bytes("m"));
  EXPECT_FALSE(hmac_verify(HmacKey::generate(HashAlgorithm::kSha256, 32), as_bytes("m"), mac));
  // Same secret under SHA-512, cut to 32 bytes, is still a different MAC.
  const HmacKey other_hash = HmacKey::create(HashAlgorithm::kSha512, secret.clone());
  EXPECT_FALSE(hmac_verify(other_hash, as_bytes("m"), mac));
  const Bytes other = hmac(other_hash, as_bytes("m"));
  EXPECT_NE(Bytes(other.begin(), other.begin() + 32), mac);
}

TEST(Hmac, ClonesAndThreadsShareTheKeyedContextSafely) {
  const HmacKey key = HmacKey::create(HashAlgorithm::kSha256,
                                      SecretBytes::copy_of(as_bytes("Jefe")));
  const std::string expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  const HmacKey copy = key.clone();
  EXPECT_EQ(copy.handle(), key.handle());
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const HmacKey& k = (i % 2 == 0) ? key : copy;
        if (hex_encode(hmac(k, as_bytes("what do ya want for nothing?"))) != expected) {
          ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST(Hmac, MovedFromKeyIsAConfigError) {
  HmacKey key = HmacKey::generate(HashAlgorithm::kSha256, 32);
  const HmacKey moved = std::move(key);
  EXPECT_THROW((void)hmac(key, as_bytes("m")), ConfigError);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(hmac(moved, as_bytes("m")).size(), 32u);
}

struct HkdfVector {
  int test_case;
  HashAlgorithm hash;
  Bytes ikm;
  Bytes salt;
  Bytes info;
  std::string_view okm;
};

Bytes range_bytes(int first, int end) {
  Bytes out;
  for (int b = first; b < end; ++b) out.push_back(static_cast<std::uint8_t>(b));
  return out;
}

// RFC 5869 Appendix A: cases 1-3 (SHA-256) and 4 and 7 (SHA-1; 7 has no salt, so it checks
// that the default salt is HashLen zero bytes for a 20-byte hash too).
std::vector<HkdfVector> rfc5869() {
  return {
      {1, HashAlgorithm::kSha256, Bytes(22, 0x0b), range_bytes(0x00, 0x0d), range_bytes(0xf0, 0xfa),
       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
      {2, HashAlgorithm::kSha256, range_bytes(0x00, 0x50), range_bytes(0x60, 0xb0),
       range_bytes(0xb0, 0x100),
       "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
       "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
       "cc30c58179ec3e87c14c01d5c1f3434f1d87"},
      {3, HashAlgorithm::kSha256, Bytes(22, 0x0b), {}, {},
       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
      {4, HashAlgorithm::kSha1, Bytes(11, 0x0b), range_bytes(0x00, 0x0d), range_bytes(0xf0, 0xfa),
       "085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896"},
      {7, HashAlgorithm::kSha1, Bytes(22, 0x0c), {}, {},
       "2c91117204d745f3500d636a62f64f0ab3bae548aa53d423b0d1f27ebba6f5e5673a081d70cce7acfc48"},
  };
}

TEST(Hkdf, MatchesRfc5869) {
  for (const HkdfVector& v : rfc5869()) {
    const SecretBytes okm =
        hkdf(v.hash, SecretBytes::copy_of(v.ikm), v.salt, v.info, v.okm.size() / 2);
    EXPECT_EQ(hex_encode(okm.expose_secret()), v.okm) << "test case " << v.test_case;
  }
  const HkdfVector first = rfc5869()[0];
  EXPECT_EQ(hex_encode(hkdf_sha256(SecretBytes::copy_of(first.ikm), first.salt, first.info, 42)
                           .expose_secret()),
            first.okm);
}

TEST(Hkdf, EmptySaltEqualsHashLenZeroBytes) {
  const SecretBytes ikm = SecretBytes::random(32);
  for (HashAlgorithm hash :
       {HashAlgorithm::kSha256, HashAlgorithm::kSha384, HashAlgorithm::kSha512}) {
    EXPECT_TRUE(hkdf(hash, ikm, {}, as_bytes("info"), 32) ==
                hkdf(hash, ikm, Bytes(digest_size(hash), 0), as_bytes("info"), 32))
        << hash_name(hash);
  }
}

TEST(Hkdf, OutputDependsOnEveryInput) {
  const SecretBytes ikm = SecretBytes::copy_of(as_bytes("input key"));
  const SecretBytes base = hkdf_sha256(ikm, as_bytes("salt"), as_bytes("info"), 32);
  EXPECT_FALSE(base == hkdf_sha256(SecretBytes::copy_of(as_bytes("input kez")), as_bytes("salt"),
                                   as_bytes("info"), 32));
  EXPECT_FALSE(base == hkdf_sha256(ikm, as_bytes("salu"), as_bytes("info"), 32));
  EXPECT_FALSE(base == hkdf_sha256(ikm, as_bytes("salt"), as_bytes("infp"), 32));
  // A shorter output is a prefix of the longer one (RFC 5869 expand).
  const SecretBytes shorter = hkdf_sha256(ikm, as_bytes("salt"), as_bytes("info"), 16);
  EXPECT_TRUE(SecretBytes::copy_of(base.expose_secret().first(16)) == shorter);
}

TEST(Hkdf, RejectsUnusableParameters) {
  const SecretBytes ikm = SecretBytes::random(32);
  EXPECT_THROW((void)hkdf_sha256(ikm, {}, {}, 0), ConfigError);
  EXPECT_EQ(hkdf_sha256(ikm, {}, {}, 255 * 32).size(), 255u * 32u);
  EXPECT_THROW((void)hkdf_sha256(ikm, {}, {}, 255 * 32 + 1), ConfigError);
  EXPECT_THROW((void)hkdf_sha256(SecretBytes(), {}, {}, 32), ConfigError);
  EXPECT_THROW((void)hkdf(static_cast<HashAlgorithm>(0), ikm, {}, {}, 32), ConfigError);
}

}  // namespace
}  // namespace ddbcrypt
