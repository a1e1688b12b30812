#include "legacy/algorithms.h"

#include <gtest/gtest.h>

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal::legacy {
namespace {

TEST(SigningAlgorithm, ParsesEveryJceName) {
  EXPECT_EQ(parse_signing_algorithm("HmacSHA224"), (SigningAlgorithm{false, HashAlgorithm::kSha224}));
  EXPECT_EQ(parse_signing_algorithm("HmacSHA512"), (SigningAlgorithm{false, HashAlgorithm::kSha512}));
  EXPECT_EQ(parse_signing_algorithm("SHA256withRSA"), (SigningAlgorithm{true, HashAlgorithm::kSha256}));
  EXPECT_EQ(parse_signing_algorithm("SHA384withRSA"), (SigningAlgorithm{true, HashAlgorithm::kSha384}));
  for (const char* name : {"HmacSHA224", "HmacSHA256", "HmacSHA384", "HmacSHA512", "SHA224withRSA",
                           "SHA256withRSA", "SHA384withRSA", "SHA512withRSA"}) {
    EXPECT_EQ(signing_algorithm_name(parse_signing_algorithm(name)), name);
  }
}

TEST(SigningAlgorithm, RejectsUnknownNames) {
  for (const char* name : {"", "hmacsha256", "HmacSHA1", "HmacMD5", "SHA1withRSA", "RSA", "AES",
                           "SHA256withECDSA", "HmacSHA256 "}) {
    EXPECT_THROW((void)parse_signing_algorithm(name), ConfigError) << name;
    EXPECT_FALSE(find_signing_algorithm(name).has_value()) << name;
  }
}

TEST(WrapAlgorithm, ParsesEveryTransformation) {
  EXPECT_EQ(parse_wrap_algorithm("AESWrap").kind, WrapKind::kAesWrap);
  EXPECT_EQ(parse_wrap_algorithm("RSA/ECB/OAEPWithSHA-1AndMGF1Padding"),
            (WrapAlgorithm{WrapKind::kRsaOaep, HashAlgorithm::kSha1}));
  EXPECT_EQ(parse_wrap_algorithm("RSA/ECB/OAEPWithSHA-256AndMGF1Padding"),
            (WrapAlgorithm{WrapKind::kRsaOaep, HashAlgorithm::kSha256}));
  EXPECT_EQ(parse_wrap_algorithm("RSA/ECB/OAEPWithSHA-384AndMGF1Padding"),
            (WrapAlgorithm{WrapKind::kRsaOaep, HashAlgorithm::kSha384}));
  EXPECT_EQ(parse_wrap_algorithm("RSA/ECB/OAEPWithSHA-512AndMGF1Padding"),
            (WrapAlgorithm{WrapKind::kRsaOaep, HashAlgorithm::kSha512}));
  EXPECT_EQ(parse_wrap_algorithm("RSA/ECB/PKCS1Padding").kind, WrapKind::kRsaPkcs1);
  EXPECT_EQ(parse_wrap_algorithm("RSA").kind, WrapKind::kRsaPkcs1);
  EXPECT_EQ(wrap_algorithm_name(parse_wrap_algorithm("RSA")), "RSA/ECB/PKCS1Padding");
  EXPECT_EQ(wrap_algorithm_name({WrapKind::kRsaOaep, HashAlgorithm::kSha384}),
            "RSA/ECB/OAEPWithSHA-384AndMGF1Padding");
}

TEST(WrapAlgorithm, RejectsUnknownNames) {
  for (const char* name : {"", "AES", "aeswrap", "RSA/ECB/OAEPPadding", "RSA/NONE/PKCS1Padding",
                           "RSA/ECB/OAEPWithSHA-224AndMGF1Padding", "kms", "AES/CBC/PKCS5Padding"}) {
    EXPECT_THROW((void)parse_wrap_algorithm(name), ConfigError) << name;
  }
}

TEST(KeyDescription, ParsesContentKeyDescriptions) {
  EXPECT_EQ(parse_content_key_description("AES"), std::nullopt);
  EXPECT_EQ(parse_content_key_description("AES/128"), 16u);
  EXPECT_EQ(parse_content_key_description("AES/192"), 24u);
  EXPECT_EQ(parse_content_key_description("AES/256"), 32u);
  for (const char* bad : {"", "DES", "AES/", "AES/64", "AES/abc", "AES/256/1", "aes/256", "AES/0"}) {
    EXPECT_THROW((void)parse_content_key_description(bad), ConfigError) << bad;
  }
  const KeyDescription sig = split_key_description("HmacSHA256/256");
  EXPECT_EQ(sig.algorithm, "HmacSHA256");
  EXPECT_EQ(sig.bits, 256u);
}

}  // namespace
}  // namespace ddbcrypt::internal::legacy
