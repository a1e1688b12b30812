// JCE algorithm names of the legacy format (spec §13): the only names ddbcrypt accepts in
// configuration and in material descriptions. Matching is case-sensitive, as in Python; only
// the canonical spellings appear in data.
//
// Every parse function throws ConfigError for a name outside the table, naming it.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "ddbcrypt/crypto/keys.h"

namespace ddbcrypt::internal::legacy {

// Item signature algorithms: HmacSHA224/256/384/512 and SHA224/256/384/512withRSA.
struct SigningAlgorithm {
  bool rsa = false;
  HashAlgorithm hash = HashAlgorithm::kSha256;
  friend bool operator==(const SigningAlgorithm&, const SigningAlgorithm&) = default;
};
[[nodiscard]] std::optional<SigningAlgorithm> find_signing_algorithm(std::string_view name);
[[nodiscard]] SigningAlgorithm parse_signing_algorithm(std::string_view name);
[[nodiscard]] std::string signing_algorithm_name(SigningAlgorithm algorithm);

// Content-key wrapping transformations.
enum class WrapKind : std::uint8_t {
  kAesWrap = 0,   // "AESWrap", RFC 3394
  kRsaOaep = 1,   // "RSA/ECB/OAEPWith<HASH>AndMGF1Padding", MGF1 always SHA-1
  kRsaPkcs1 = 2,  // "RSA/ECB/PKCS1Padding", also spelled "RSA"
};
struct WrapAlgorithm {
  WrapKind kind = WrapKind::kAesWrap;
  HashAlgorithm oaep_hash = HashAlgorithm::kSha256;  // kRsaOaep only
  friend bool operator==(const WrapAlgorithm&, const WrapAlgorithm&) = default;
};
[[nodiscard]] WrapAlgorithm parse_wrap_algorithm(std::string_view name);
// The canonical name: "AESWrap", "RSA/ECB/OAEPWithSHA-256AndMGF1Padding", "RSA/ECB/PKCS1Padding".
[[nodiscard]] std::string wrap_algorithm_name(WrapAlgorithm algorithm);

// A key description "ALG" or "ALG/BITS" (`amzn-ddb-env-alg`, `amzn-ddb-sig-alg`).
struct KeyDescription {
  std::string algorithm;
  std::optional<std::size_t> bits;
};
// Splits without checking the algorithm; ConfigError if BITS is not a positive decimal.
[[nodiscard]] KeyDescription split_key_description(std::string_view description);
// A content (attribute encryption) key description: "AES", "AES/128", "AES/192" or
// "AES/256". Returns the key size in bytes, or nullopt when no size is given.
[[nodiscard]] std::optional<std::size_t> parse_content_key_description(
    std::string_view description);

}  // namespace ddbcrypt::internal::legacy
