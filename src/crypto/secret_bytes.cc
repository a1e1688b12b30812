#include "ddbcrypt/crypto/secret_bytes.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <ostream>

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
  if (size != 0 &&
      RAND_bytes(s.bytes_.data(), internal::checked_int<ConfigError>(size, "random secret")) !=
          1) {
    internal::throw_openssl_error<EncryptionError>("the random number generator failed");
  }
  return s;
}

SecretBytes SecretBytes::copy_of(std::span<const std::uint8_t> raw) {
  SecretBytes s;
  s.bytes_.assign(raw.begin(), raw.end());
  return s;
}

void SecretBytes::truncate(std::size_t size) noexcept {
  if (size >= bytes_.size()) return;
  // Shrinking a vector keeps its storage, so the tail must be wiped now rather than on free.
  detail::secure_wipe(bytes_.data() + size, bytes_.size() - size);
  bytes_.resize(size);
}

bool operator==(const SecretBytes& a, const SecretBytes& b) noexcept {
  if (a.bytes_.size() != b.bytes_.size()) return false;
  if (a.bytes_.empty()) return true;
  return CRYPTO_memcmp(a.bytes_.data(), b.bytes_.data(), a.bytes_.size()) == 0;
}

std::ostream& operator<<(std::ostream& out, const SecretBytes& secret) {
  return out << "SecretBytes(" << secret.size() << " bytes)";
}

}  // namespace ddbcrypt
