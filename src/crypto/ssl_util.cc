#include "crypto/ssl_util.h"

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

[[noreturn]] void throw_unknown_hash(HashAlgorithm hash) {
  throw ConfigError("unknown hash algorithm (value " +
                    std::to_string(static_cast<unsigned>(hash)) + ")");
}

}  // namespace

std::string drain_openssl_errors() {
  std::string text;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? std::string("no detail from OpenSSL") : text;
}

bool is_known_hash(HashAlgorithm hash) noexcept {
  switch (hash) {
    case HashAlgorithm::kSha1:
    case HashAlgorithm::kSha224:
    case HashAlgorithm::kSha256:
    case HashAlgorithm::kSha384:
    case HashAlgorithm::kSha512:
      return true;
  }
  return false;
}

const char* md_name(HashAlgorithm hash) {
  switch (hash) {
    case HashAlgorithm::kSha1:
      return "SHA1";
    case HashAlgorithm::kSha224:
      return "SHA224";
    case HashAlgorithm::kSha256:
      return "SHA256";
    case HashAlgorithm::kSha384:
      return "SHA384";
    case HashAlgorithm::kSha512:
      return "SHA512";
  }
  throw_unknown_hash(hash);
}

const EVP_MD* md_for(HashAlgorithm hash) {
  // Explicit fetches once per process: a fetch by name takes a lock and a table lookup, which
  // is a noticeable share of hashing a short message.
  static const EVP_MD* const kSha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  static const EVP_MD* const kSha224 = EVP_MD_fetch(nullptr, "SHA224", nullptr);
  static const EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static const EVP_MD* const kSha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  static const EVP_MD* const kSha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  const EVP_MD* md = nullptr;
  switch (hash) {
    case HashAlgorithm::kSha1:
      md = kSha1;
      break;
    case HashAlgorithm::kSha224:
      md = kSha224;
      break;
    case HashAlgorithm::kSha256:
      md = kSha256;
      break;
    case HashAlgorithm::kSha384:
      md = kSha384;
      break;
    case HashAlgorithm::kSha512:
      md = kSha512;
      break;
  }
  if (md == nullptr) {
    if (!is_known_hash(hash)) throw_unknown_hash(hash);
    ERR_clear_error();
    throw ConfigError("the loaded OpenSSL providers do not offer " +
                      std::string(hash_name(hash)));
  }
  return md;
}

const EVP_CIPHER* fetch_cipher(const char* name) noexcept {
  const EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
  if (cipher == nullptr) ERR_clear_error();
  return cipher;
}

}  // namespace ddbcrypt::internal
