#include "legacy/attribute_encryption.h"

#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/crypto/secret_bytes.h"
#include "legacy/attribute_serialization.h"

namespace ddbcrypt::internal::legacy {
namespace {

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

}  // namespace

Bytes encrypt_attribute(const AesKey& key, const AttributeValue& value, Bytes& scratch) {
  scratch.clear();
  WipeOnExit wipe(scratch);
  serialize_attribute(value, scratch);
  return aes_cbc_encrypt(key, scratch);
}

AttributeValue decrypt_attribute(const AesKey& key, ByteView iv_and_ciphertext) {
  Bytes plaintext = aes_cbc_decrypt(key, iv_and_ciphertext);
  WipeOnExit wipe(plaintext);
  return deserialize_attribute(plaintext);
}

}  // namespace ddbcrypt::internal::legacy
