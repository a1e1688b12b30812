// Hashes, random bytes and constant-time comparison.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

// FIPS 180-4 example "abc" and the empty message.
TEST(Digest, KnownAnswers) {
  EXPECT_EQ(hex_encode(digest(HashAlgorithm::kSha1, as_bytes("abc"))),
            "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex_encode(digest(HashAlgorithm::kSha224, as_bytes("abc"))),
            "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7");
  EXPECT_EQ(hex_encode(digest(HashAlgorithm::kSha256, as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_encode(digest(HashAlgorithm::kSha384, as_bytes("abc"))),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
            "8086072ba1e7cc2358baeca134c825a7");
  EXPECT_EQ(hex_encode(digest(HashAlgorithm::kSha512, as_bytes("abc"))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(hex_encode(sha256({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, SizesAndNamesMatchTheAlgorithms) {
  for (HashAlgorithm hash : {HashAlgorithm::kSha1, HashAlgorithm::kSha224, HashAlgorithm::kSha256,
                             HashAlgorithm::kSha384, HashAlgorithm::kSha512}) {
    EXPECT_EQ(digest(hash, as_bytes("x")).size(), digest_size(hash)) << hash_name(hash);
  }
  EXPECT_EQ(hash_name(HashAlgorithm::kSha384), "SHA-384");
  EXPECT_EQ(digest_size(static_cast<HashAlgorithm>(0)), 0u);
  EXPECT_EQ(hash_name(static_cast<HashAlgorithm>(9)), "unknown");
}

TEST(Digest, RejectsAnUnknownAlgorithm) {
  EXPECT_THROW((void)digest(static_cast<HashAlgorithm>(0), as_bytes("x")), ConfigError);
  EXPECT_THROW((void)digest(static_cast<HashAlgorithm>(6), as_bytes("x")), ConfigError);
}

TEST(RandomBytes, HasTheSizeAndDiffersEachTime) {
  std::set<Bytes> seen;
  for (int i = 0; i < 16; ++i) {
    const Bytes b = random_bytes(16);
    ASSERT_EQ(b.size(), 16u);
    seen.insert(b);
  }
  EXPECT_EQ(seen.size(), 16u);
  EXPECT_TRUE(random_bytes(0).empty());
}

TEST(ConstantTimeEqual, ComparesSizeAndEveryByte) {
  EXPECT_TRUE(constant_time_equal(as_bytes("abc"), as_bytes("abc")));
  EXPECT_FALSE(constant_time_equal(as_bytes("abc"), as_bytes("abd")));
  EXPECT_FALSE(constant_time_equal(as_bytes("abc"), as_bytes("bbc")));
  EXPECT_FALSE(constant_time_equal(as_bytes("abc"), as_bytes("ab")));
  EXPECT_FALSE(constant_time_equal(as_bytes("ab"), as_bytes("abc")));
  EXPECT_FALSE(constant_time_equal({}, as_bytes("a")));
  EXPECT_TRUE(constant_time_equal({}, {}));
}

}  // namespace
}  // namespace ddbcrypt
