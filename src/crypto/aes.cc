// AES-CBC with PKCS#7 padding and AES-GCM (ddbcrypt/crypto/primitives.h).
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <climits>

#include "crypto/aes_internal.h"
#include "crypto/ssl_util.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

constexpr std::size_t kAesBlock = 16;
constexpr std::size_t kGcmNonce = 12;
constexpr std::size_t kGcmTag = 16;
constexpr std::size_t kMaxCbcPlaintext = static_cast<std::size_t>(INT_MAX) - 2 * kAesBlock;

// AesKey guarantees one of the three sizes, so the choice below is total.
const EVP_CIPHER* cipher_for(std::size_t key_size, const EVP_CIPHER* aes128,
                             const EVP_CIPHER* aes192, const EVP_CIPHER* aes256,
                             const char* family) {
  const EVP_CIPHER* cipher = key_size == 16 ? aes128 : key_size == 24 ? aes192 : aes256;
  if (cipher == nullptr) {
    throw ConfigError(std::string("the loaded OpenSSL providers do not offer AES-") +
                      std::to_string(key_size * 8) + "-" + family);
  }
  return cipher;
}

const EVP_CIPHER* aes_cbc(std::size_t key_size) {
  static const EVP_CIPHER* const k128 = internal::fetch_cipher("AES-128-CBC");
  static const EVP_CIPHER* const k192 = internal::fetch_cipher("AES-192-CBC");
  static const EVP_CIPHER* const k256 = internal::fetch_cipher("AES-256-CBC");
  return cipher_for(key_size, k128, k192, k256, "CBC");
}

const EVP_CIPHER* aes_gcm(std::size_t key_size) {
  static const EVP_CIPHER* const k128 = internal::fetch_cipher("AES-128-GCM");
  static const EVP_CIPHER* const k192 = internal::fetch_cipher("AES-192-GCM");
  static const EVP_CIPHER* const k256 = internal::fetch_cipher("AES-256-GCM");
  return cipher_for(key_size, k128, k192, k256, "GCM");
}

// A buffer whose first `prefix` bytes are CSPRNG output, with room for `capacity` bytes so
// the ciphertext can be written after it without reallocating.
Bytes random_prefix(std::size_t prefix, std::size_t capacity) {
  Bytes out;
  out.reserve(capacity);
  out.resize(prefix);
  if (RAND_bytes(out.data(), static_cast<int>(prefix)) != 1) {
    internal::throw_openssl_error<EncryptionError>("the random number generator failed");
  }
  return out;
}

Bytes known_prefix(ByteView prefix, std::size_t capacity) {
  Bytes out;
  out.reserve(capacity);
  out.assign(prefix.begin(), prefix.end());
  return out;
}

// `out` holds the IV; PKCS#7-padded ciphertext is appended after it.
Bytes cbc_encrypt(const AesKey& key, Bytes out, ByteView plaintext) {
  const EVP_CIPHER* cipher = aes_cbc(key.size());
  // The padded output must fit OpenSSL's int lengths too.
  if (plaintext.size() > kMaxCbcPlaintext) {
    throw EncryptionError("AES-CBC plaintext is too large (over 2 GiB)");
  }
  const int in_size = static_cast<int>(plaintext.size());
  out.resize(kAesBlock + plaintext.size() + kAesBlock);
  const auto ctx = internal::new_cipher_ctx<EncryptionError>();
  int written = 0;
  int final_written = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), cipher, key.secret().expose_secret().data(), out.data(),
                          nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data() + kAesBlock, &written, plaintext.data(),
                        in_size) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + kAesBlock + written, &final_written) != 1) {
    internal::throw_openssl_error<EncryptionError>("AES-CBC encryption failed");
  }
  out.resize(kAesBlock + static_cast<std::size_t>(written + final_written));
  return out;
}

// `out` holds the nonce; ciphertext and tag are appended after it.
Bytes gcm_encrypt(const AesKey& key, Bytes out, ByteView plaintext, ByteView aad) {
  const EVP_CIPHER* cipher = aes_gcm(key.size());
  const int in_size = internal::checked_int<EncryptionError>(plaintext.size(),
                                                             "AES-GCM plaintext");
  const int aad_size = internal::checked_int<EncryptionError>(aad.size(), "AES-GCM aad");
  out.resize(kGcmNonce + plaintext.size() + kGcmTag);
  std::uint8_t* const body = out.data() + kGcmNonce;
  const auto ctx = internal::new_cipher_ctx<EncryptionError>();
  int written = 0;
  int final_written = 0;
  int aad_written = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), cipher, key.secret().expose_secret().data(), out.data(),
                          nullptr) != 1 ||
      (aad_size != 0 &&
       EVP_EncryptUpdate(ctx.get(), nullptr, &aad_written, aad.data(), aad_size) != 1) ||
      EVP_EncryptUpdate(ctx.get(), body, &written, plaintext.data(), in_size) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), body + written, &final_written) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTag),
                          body + plaintext.size()) != 1) {
    internal::throw_openssl_error<EncryptionError>("AES-GCM encryption failed");
  }
  return out;
}

}  // namespace

Bytes aes_cbc_encrypt(const AesKey& key, ByteView plaintext) {
  return cbc_encrypt(key, random_prefix(kAesBlock, plaintext.size() + 2 * kAesBlock),
                     plaintext);
}

Bytes aes_cbc_decrypt(const AesKey& key, ByteView iv_and_ciphertext) {
  if (iv_and_ciphertext.size() < 2 * kAesBlock || iv_and_ciphertext.size() % kAesBlock != 0) {
    throw DecryptionError(
        "AES-CBC ciphertext has an invalid length (needs IV plus whole 16-byte blocks)");
  }
  const EVP_CIPHER* cipher = aes_cbc(key.size());
  const ByteView ciphertext = iv_and_ciphertext.subspan(kAesBlock);
  const int in_size =
      internal::checked_int<DecryptionError>(ciphertext.size(), "AES-CBC ciphertext");
  Bytes out(ciphertext.size());
  const auto ctx = internal::new_cipher_ctx<DecryptionError>();
  int written = 0;
  int final_written = 0;
  if (EVP_DecryptInit_ex2(ctx.get(), cipher, key.secret().expose_secret().data(),
                          iv_and_ciphertext.data(), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &written, ciphertext.data(), in_size) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out.data() + written, &final_written) != 1) {
    // Whatever was decrypted before the padding check failed is discarded unseen, and the
    // message is the same for every cause.
    detail::secure_wipe(out.data(), out.size());
    ERR_clear_error();
    throw DecryptionError("AES-CBC decryption failed (wrong key or corrupted ciphertext)");
  }
  out.resize(static_cast<std::size_t>(written + final_written));
  return out;
}

Bytes aes_gcm_encrypt(const AesKey& key, ByteView plaintext, ByteView aad) {
  return gcm_encrypt(key, random_prefix(kGcmNonce, kGcmNonce + plaintext.size() + kGcmTag),
                     plaintext, aad);
}

Bytes aes_gcm_decrypt(const AesKey& key, ByteView nonce_ciphertext_tag, ByteView aad) {
  if (nonce_ciphertext_tag.size() < kGcmNonce + kGcmTag) {
    throw DecryptionError("AES-GCM ciphertext is too short (needs a 12-byte nonce and a "
                          "16-byte tag)");
  }
  const EVP_CIPHER* cipher = aes_gcm(key.size());
  const ByteView nonce = nonce_ciphertext_tag.first(kGcmNonce);
  const ByteView ciphertext =
      nonce_ciphertext_tag.subspan(kGcmNonce, nonce_ciphertext_tag.size() - kGcmNonce - kGcmTag);
  // OpenSSL's SET_TAG takes a non-const pointer; a local copy avoids casting away const.
  std::array<std::uint8_t, kGcmTag> tag{};
  std::copy(nonce_ciphertext_tag.end() - kGcmTag, nonce_ciphertext_tag.end(), tag.begin());
  const int in_size =
      internal::checked_int<DecryptionError>(ciphertext.size(), "AES-GCM ciphertext");
  const int aad_size = internal::checked_int<DecryptionError>(aad.size(), "AES-GCM aad");
  Bytes out(ciphertext.size());
  const auto ctx = internal::new_cipher_ctx<DecryptionError>();
  int written = 0;
  int final_written = 0;
  int aad_written = 0;
  if (EVP_DecryptInit_ex2(ctx.get(), cipher, key.secret().expose_secret().data(), nonce.data(),
                          nullptr) != 1 ||
      (aad_size != 0 &&
       EVP_DecryptUpdate(ctx.get(), nullptr, &aad_written, aad.data(), aad_size) != 1) ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &written, ciphertext.data(), in_size) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTag),
                          tag.data()) != 1) {
    detail::secure_wipe(out.data(), out.size());
    internal::throw_openssl_error<DecryptionError>("AES-GCM decryption failed");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + written, &final_written) != 1) {
    // The plaintext is already in `out`; it must not outlive the failed check.
    detail::secure_wipe(out.data(), out.size());
    ERR_clear_error();
    throw SignatureError(
        "AES-GCM authentication failed (wrong key, wrong associated data or tampered data)");
  }
  out.resize(static_cast<std::size_t>(written + final_written));
  return out;
}

namespace internal {

Bytes aes_cbc_encrypt_with_iv_for_testing(const AesKey& key, ByteView iv, ByteView plaintext) {
  if (iv.size() != kAesBlock) throw ConfigError("an AES-CBC IV has 16 bytes");
  return cbc_encrypt(key, known_prefix(iv, plaintext.size() + 2 * kAesBlock), plaintext);
}

Bytes aes_gcm_encrypt_with_nonce_for_testing(const AesKey& key, ByteView nonce,
                                             ByteView plaintext, ByteView aad) {
  if (nonce.size() != kGcmNonce) throw ConfigError("an AES-GCM nonce has 12 bytes");
  return gcm_encrypt(key, known_prefix(nonce, kGcmNonce + plaintext.size() + kGcmTag),
                     plaintext, aad);
}

}  // namespace internal
}  // namespace ddbcrypt
