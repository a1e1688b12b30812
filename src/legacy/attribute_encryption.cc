#include "legacy/attribute_encryption.h"

#include <openssl/rand.h>

#include "ddbcrypt/crypto/secret_bytes.h"
#include "ddbcrypt/error.h"
#include "legacy/attribute_serialization.h"
#include "legacy/format.h"

namespace ddbcrypt::internal::legacy {
namespace {

// IVs drawn per CSPRNG call: most items have fewer encrypted attributes than this.
constexpr std::size_t kIvBatch = 16;

// Wipes a plaintext buffer on every exit path: serialized attribute values are user data.
class WipeOnExit {
 public:
  explicit WipeOnExit(Bytes& buffer) : buffer_(buffer) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  ~WipeOnExit() {
    detail::secure_wipe(buffer_.data(), buffer_.size());
    buffer_.clear();
  }

 private:
  Bytes& buffer_;
};

const EVP_CIPHER* cbc_cipher(std::size_t key_size) {
  static const EVP_CIPHER* const k128 = fetch_cipher("AES-128-CBC");
  static const EVP_CIPHER* const k192 = fetch_cipher("AES-192-CBC");
  static const EVP_CIPHER* const k256 = fetch_cipher("AES-256-CBC");
  const EVP_CIPHER* cipher = key_size == 16 ? k128 : key_size == 24 ? k192 : k256;
  if (cipher == nullptr) throw ConfigError("the loaded OpenSSL providers do not offer AES-CBC");
  return cipher;
}

}  // namespace

AttributeCipher::AttributeCipher(const AesKey& key) : key_(key) {}

AttributeCipher::~AttributeCipher() {
  detail::secure_wipe(scratch_.data(), scratch_.size());
}

Bytes AttributeCipher::encrypt(const AttributeValue& value) {
  scratch_.clear();
  WipeOnExit wipe(scratch_);
  serialize_attribute(value, scratch_);
  // The padded output must fit OpenSSL's int lengths too.
  (void)checked_int<EncryptionError>(scratch_.size() + 2 * kAesBlockSize, "serialized attribute");
  const int in_size = static_cast<int>(scratch_.size());

  if (ivs_used_ == ivs_.size() / kAesBlockSize) {
    ivs_.resize(kIvBatch * kAesBlockSize);
    if (RAND_bytes(ivs_.data(), static_cast<int>(ivs_.size())) != 1) {
      ivs_.clear();
      throw_openssl_error<EncryptionError>("the random number generator failed");
    }
    ivs_used_ = 0;
  }
  const std::uint8_t* iv = ivs_.data() + ivs_used_ * kAesBlockSize;
  ++ivs_used_;

  // The key schedule is set up once; later calls only load the next IV.
  const bool first = !encrypt_ctx_;
  if (first) encrypt_ctx_ = new_cipher_ctx<EncryptionError>();
  if (EVP_EncryptInit_ex2(encrypt_ctx_.get(), first ? cbc_cipher(key_.size()) : nullptr,
                          first ? key_.secret().expose_secret().data() : nullptr, iv,
                          nullptr) != 1) {
    throw_openssl_error<EncryptionError>("AES-CBC setup failed");
  }
  Bytes out(kAesBlockSize + scratch_.size() + kAesBlockSize);
  std::copy(iv, iv + kAesBlockSize, out.begin());
  int written = 0;
  int final_written = 0;
  if (EVP_EncryptUpdate(encrypt_ctx_.get(), out.data() + kAesBlockSize, &written, scratch_.data(),
                        in_size) != 1 ||
      EVP_EncryptFinal_ex(encrypt_ctx_.get(), out.data() + kAesBlockSize + written,
                          &final_written) != 1) {
    throw_openssl_error<EncryptionError>("AES-CBC encryption failed");
  }
  out.resize(kAesBlockSize + static_cast<std::size_t>(written + final_written));
  return out;
}

AttributeValue AttributeCipher::decrypt(ByteView iv_and_ciphertext) {
  if (iv_and_ciphertext.size() < 2 * kAesBlockSize ||
      iv_and_ciphertext.size() % kAesBlockSize != 0) {
    throw DecryptionError("AES-CBC ciphertext has an invalid length");
  }
  const ByteView ciphertext = iv_and_ciphertext.subspan(kAesBlockSize);
  const int in_size = checked_int<DecryptionError>(ciphertext.size(), "AES-CBC ciphertext");
  const bool first = !decrypt_ctx_;
  if (first) decrypt_ctx_ = new_cipher_ctx<DecryptionError>();
  if (EVP_DecryptInit_ex2(decrypt_ctx_.get(), first ? cbc_cipher(key_.size()) : nullptr,
                          first ? key_.secret().expose_secret().data() : nullptr,
                          iv_and_ciphertext.data(), nullptr) != 1) {
    throw_openssl_error<DecryptionError>("AES-CBC setup failed");
  }
  Bytes plaintext(ciphertext.size());
  WipeOnExit wipe(plaintext);
  int written = 0;
  int final_written = 0;
  if (EVP_DecryptUpdate(decrypt_ctx_.get(), plaintext.data(), &written, ciphertext.data(),
                        in_size) != 1 ||
      EVP_DecryptFinal_ex(decrypt_ctx_.get(), plaintext.data() + written, &final_written) != 1) {
    // Bad padding: no detail, and nothing left queued for an unrelated later call.
    ERR_clear_error();
    throw DecryptionError("AES-CBC decryption failed");
  }
  return deserialize_attribute(
      ByteView(plaintext).first(static_cast<std::size_t>(written + final_written)));
}

Bytes encrypt_attribute(const AesKey& key, const AttributeValue& value) {
  AttributeCipher cipher(key);
  return cipher.encrypt(value);
}

AttributeValue decrypt_attribute(const AesKey& key, ByteView iv_and_ciphertext) {
  AttributeCipher cipher(key);
  return cipher.decrypt(iv_and_ciphertext);
}

}  // namespace ddbcrypt::internal::legacy
