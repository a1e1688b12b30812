#include "ddbcrypt/crypto/secret_bytes.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <climits>

#include "crypto/ssl_util.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {

void detail::secure_wipe(void* data, std::size_t size) noexcept {
  if (data != nullptr && size != 0) OPENSSL_cleanse(data, size);
}

SecretBytes SecretBytes::zeroed(std::size_t size) {
  SecretBytes s;
  s.bytes_.resize(size);
  return s;
}

SecretBytes SecretBytes::random(std::size_t size) {
  SecretBytes s = zeroed(size);
  if (size > static_cast<std::size_t>(INT_MAX) ||
      RAND_bytes(s.bytes_.data(), static_cast<int>(size)) != 1) {
    throw EncryptionError("the random number generator failed: " +
                          internal::drain_openssl_errors());
  }
  return s;
}

SecretBytes SecretBytes::copy_of(std::span<const std::uint8_t> raw) {
  SecretBytes s;
  s.bytes_.assign(raw.begin(), raw.end());
  return s;
}

bool operator==(const SecretBytes& a, const SecretBytes& b) noexcept {
  if (a.bytes_.size() != b.bytes_.size()) return false;
  if (a.bytes_.empty()) return true;
  return CRYPTO_memcmp(a.bytes_.data(), b.bytes_.data(), a.bytes_.size()) == 0;
}

}  // namespace ddbcrypt
