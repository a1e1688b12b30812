// Hashes, CSPRNG output and constant-time comparison (ddbcrypt/crypto/primitives.h).
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "crypto/ssl_util.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {

Bytes digest(HashAlgorithm hash, ByteView data) {
  const EVP_MD* md = internal::md_for(hash);
  Bytes out(digest_size(hash));
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, md, nullptr) != 1) {
    internal::throw_openssl_error<EncryptionError>(std::string(hash_name(hash)) + " failed");
  }
  return out;
}

Bytes sha256(ByteView data) { return digest(HashAlgorithm::kSha256, data); }

Bytes random_bytes(std::size_t size) {
  Bytes out(size);
  if (size != 0 &&
      RAND_bytes(out.data(), internal::checked_int<ConfigError>(size, "random output")) != 1) {
    internal::throw_openssl_error<EncryptionError>("the random number generator failed");
  }
  return out;
}

bool constant_time_equal(ByteView a, ByteView b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ddbcrypt
