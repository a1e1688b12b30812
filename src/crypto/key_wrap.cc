// AES key wrap, RFC 3394 (ddbcrypt/crypto/primitives.h).
#include "crypto/ssl_util.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

constexpr std::size_t kSemiblock = 8;
constexpr std::size_t kMinWrappedKey = 16;  // RFC 3394 needs n >= 2 semiblocks

// OpenSSL's "AES-xxx-WRAP" is RFC 3394 with the default IV A6A6A6A6A6A6A6A6, the same
// transformation as JCE "AESWrap" and Python's aes_key_wrap.
const EVP_CIPHER* aes_wrap(std::size_t key_size) {
  static const EVP_CIPHER* const k128 = internal::fetch_cipher("AES-128-WRAP");
  static const EVP_CIPHER* const k192 = internal::fetch_cipher("AES-192-WRAP");
  static const EVP_CIPHER* const k256 = internal::fetch_cipher("AES-256-WRAP");
  const EVP_CIPHER* cipher = key_size == 16 ? k128 : key_size == 24 ? k192 : k256;
  if (cipher == nullptr) {
    throw ConfigError("the loaded OpenSSL providers do not offer AES-" +
                      std::to_string(key_size * 8) + "-WRAP");
  }
  return cipher;
}

// A cipher context allowed to run a wrap mode (older OpenSSL refuses without the flag).
template <class E>
internal::CipherCtx new_wrap_ctx() {
  auto ctx = internal::new_cipher_ctx<E>();
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  return ctx;
}

}  // namespace

Bytes aes_key_wrap(const AesKey& wrapping_key, const SecretBytes& key) {
  if (key.size() < kMinWrappedKey || key.size() % kSemiblock != 0) {
    throw ConfigError("AES key wrap needs a key of at least 16 bytes in whole 8-byte "
                      "blocks, got " +
                      std::to_string(key.size()));
  }
  const EVP_CIPHER* cipher = aes_wrap(wrapping_key.size());
  const int in_size = internal::checked_int<ConfigError>(key.size(), "key to wrap");
  Bytes out(key.size() + kSemiblock);
  const auto ctx = new_wrap_ctx<EncryptionError>();
  int written = 0;
  int final_written = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), cipher, wrapping_key.secret().expose_secret().data(),
                          nullptr, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &written, key.expose_secret().data(), in_size) !=
          1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + written, &final_written) != 1 ||
      static_cast<std::size_t>(written + final_written) != out.size()) {
    internal::throw_openssl_error<EncryptionError>("AES key wrap failed");
  }
  return out;
}

SecretBytes aes_key_unwrap(const AesKey& wrapping_key, ByteView wrapped) {
  if (wrapped.size() < kMinWrappedKey + kSemiblock || wrapped.size() % kSemiblock != 0) {
    throw DecryptionError("the wrapped key has an invalid length (needs at least 24 bytes in "
                          "whole 8-byte blocks)");
  }
  const EVP_CIPHER* cipher = aes_wrap(wrapping_key.size());
  const int in_size = internal::checked_int<DecryptionError>(wrapped.size(), "wrapped key");
  // OpenSSL checks the output room against the input length, not the unwrapped length, so
  // the buffer is one semiblock larger than the result and cut to size afterwards.
  SecretBytes out = SecretBytes::zeroed(wrapped.size());
  std::uint8_t* const dst = out.expose_secret_mutable().data();
  const auto ctx = new_wrap_ctx<DecryptionError>();
  int written = 0;
  int final_written = 0;
  if (EVP_DecryptInit_ex2(ctx.get(), cipher, wrapping_key.secret().expose_secret().data(),
                          nullptr, nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), dst, &written, wrapped.data(), in_size) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), dst + written, &final_written) != 1 ||
      static_cast<std::size_t>(written + final_written) != wrapped.size() - kSemiblock) {
    // `out` is wiped when it is freed by the unwinding.
    ERR_clear_error();
    throw DecryptionError("AES key unwrap failed (wrong wrapping key or tampered wrapped key)");
  }
  out.truncate(wrapped.size() - kSemiblock);
  return out;
}

}  // namespace ddbcrypt
