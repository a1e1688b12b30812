#include "model/field_format.h"

#include <openssl/evp.h>

#include <climits>
#include <string>

#include "crypto/ssl_util.h"
#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

void put_u16(Bytes& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>((value >> 8) & 0xFF));
  out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

std::size_t get_u16(ByteView in, std::size_t offset) {
  return (std::size_t{in[offset]} << 8) | in[offset + 1];
}

void append(Bytes& out, ByteView bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }

int to_int(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX)) {
    throw EncryptionError("Encryption failed: value too large");
  }
  return static_cast<int>(n);
}

// AES-256-GCM with a caller-chosen nonce, appending ciphertext || tag to `out`. The crypto
// layer's aes_gcm_encrypt draws its own nonce; the field formats need the nonce (and salt)
// as inputs so that one code path serves production (random) and the vectors (fixed).
void gcm_seal_append(const SecretBytes& key, ByteView nonce, ByteView aad, ByteView plaintext,
                     Bytes& out) {
  if (key.size() != kDataKeySize) {
    throw EncryptionError("Invalid key: data key must be 32 bytes");
  }
  if (nonce.size() != kNonceSize) throw EncryptionError("Encryption failed: nonce must be 12 bytes");
  const std::size_t start = out.size();
  out.resize(start + plaintext.size() + kTagSize);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int written = 0;
  int final_written = 0;
  int aad_written = 0;
  if (!ctx ||
      EVP_EncryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), key.expose_secret().data(), nonce.data(),
                          nullptr) != 1 ||
      (!aad.empty() &&
       EVP_EncryptUpdate(ctx.get(), nullptr, &aad_written, aad.data(), to_int(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), out.data() + start, &written, plaintext.data(),
                        to_int(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + start + written, &final_written) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                          out.data() + start + plaintext.size()) != 1) {
    out.resize(start);
    throw EncryptionError("Encryption failed: " + drain_openssl_errors());
  }
}

Bytes gcm_open(const SecretBytes& key, ByteView nonce_ciphertext_tag, ByteView aad) {
  if (key.size() != kDataKeySize) {
    throw EncryptionError("Invalid key: data key must be 32 bytes");
  }
  try {
    return aes_gcm_decrypt(AesKey::create(key.clone()), nonce_ciphertext_tag, aad);
  } catch (const DecryptionError&) {
    // Same text as pydynox's aes-gcm failure, so logs match across the fleet.
    throw EncryptionError("Decryption failed: aead::Error");
  }
}

// Value key (first 32 bytes) and commitment (last 32) of one bound envelope.
SecretBytes derive_bound_keys(const SecretBytes& data_key, ByteView salt) {
  if (data_key.size() != kDataKeySize) {
    throw EncryptionError("Invalid key: data key must be 32 bytes");
  }
  return hkdf_sha256(data_key, salt, kBoundHkdfInfo, kDataKeySize + kCommitmentSize);
}

Bytes bound_aad(ByteView header, ByteView binding) {
  Bytes aad;
  aad.reserve(header.size() + binding.size());
  append(aad, header);
  append(aad, binding);
  return aad;
}

}  // namespace

std::string to_stored_text(ByteView envelope) {
  std::string text(kFieldPrefix);
  text += base64_encode(envelope);
  return text;
}

Bytes from_stored_text(std::string_view stored) {
  if (!stored.starts_with(kFieldPrefix)) {
    throw EncryptionError("Ciphertext must start with 'ENC:' prefix");
  }
  try {
    return base64_decode(stored.substr(kFieldPrefix.size()));
  } catch (const FormatError& e) {
    throw EncryptionError(std::string("Invalid base64: ") + e.what());
  }
}

std::uint8_t envelope_version(ByteView envelope) {
  if (envelope.empty()) throw EncryptionError("Invalid envelope: too short");
  return envelope[0];
}

PydynoxEnvelope parse_pydynox_envelope(ByteView envelope) {
  // pydynox's checks, in its order (spec §4), except that the nonce and tag lengths are
  // checked here, before any KMS call, instead of after it.
  if (envelope.size() < 3) throw EncryptionError("Invalid envelope: too short");
  if (envelope[0] != kPydynoxVersion) {
    throw EncryptionError("Unsupported envelope version: " + std::to_string(envelope[0]));
  }
  const std::size_t key_size = get_u16(envelope, 1);
  if (envelope.size() < 3 + key_size) throw EncryptionError("Invalid envelope: truncated DEK");
  const ByteView rest = envelope.subspan(3 + key_size);
  if (rest.size() < kNonceSize) throw EncryptionError("Data too short for decryption");
  if (rest.size() < kNonceSize + kTagSize) throw EncryptionError("Decryption failed: aead::Error");
  return PydynoxEnvelope{.encrypted_key = envelope.subspan(3, key_size),
                         .nonce_ciphertext_tag = rest};
}

BoundEnvelope parse_bound_envelope(ByteView envelope) {
  if (envelope.size() < 4) throw EncryptionError("Invalid envelope: too short");
  if (envelope[0] != kBoundVersion) {
    throw EncryptionError("Unsupported envelope version: " + std::to_string(envelope[0]));
  }
  if (envelope[1] != kBoundSuiteKmsHkdfSha256AesGcm) {
    throw EncryptionError("Unsupported algorithm suite: " + std::to_string(envelope[1]));
  }
  const std::size_t key_size = get_u16(envelope, 2);
  if (key_size == 0) throw EncryptionError("Invalid envelope: empty DEK");
  if (envelope.size() < 4 + key_size) throw EncryptionError("Invalid envelope: truncated DEK");
  const std::size_t header_size = 4 + key_size + kSaltSize + kCommitmentSize + kNonceSize;
  if (envelope.size() < header_size + kTagSize) {
    throw EncryptionError("Invalid envelope: truncated header or tag");
  }
  const std::size_t salt_at = 4 + key_size;
  const std::size_t commitment_at = salt_at + kSaltSize;
  const std::size_t nonce_at = commitment_at + kCommitmentSize;
  return BoundEnvelope{.encrypted_key = envelope.subspan(4, key_size),
                       .salt = envelope.subspan(salt_at, kSaltSize),
                       .commitment = envelope.subspan(commitment_at, kCommitmentSize),
                       .header = envelope.first(header_size),
                       .nonce_ciphertext_tag = envelope.subspan(nonce_at)};
}

Bytes seal_pydynox(const SecretBytes& data_key, ByteView encrypted_key, ByteView nonce,
                   ByteView plaintext) {
  if (encrypted_key.empty() || encrypted_key.size() > kMaxEncryptedKeySize) {
    throw EncryptionError("Encryption failed: encrypted data key size out of range");
  }
  Bytes out;
  out.reserve(kPydynoxOverhead + encrypted_key.size() + plaintext.size());
  out.push_back(kPydynoxVersion);
  put_u16(out, encrypted_key.size());
  append(out, encrypted_key);
  append(out, nonce);
  gcm_seal_append(data_key, nonce, {}, plaintext, out);
  return out;
}

Bytes open_pydynox(const SecretBytes& data_key, const PydynoxEnvelope& envelope) {
  return gcm_open(data_key, envelope.nonce_ciphertext_tag, {});
}

Bytes seal_bound(const SecretBytes& data_key, ByteView encrypted_key, ByteView salt,
                 ByteView nonce, ByteView binding, ByteView plaintext) {
  if (encrypted_key.empty() || encrypted_key.size() > kMaxEncryptedKeySize) {
    throw EncryptionError("Encryption failed: encrypted data key size out of range");
  }
  if (salt.size() != kSaltSize) throw EncryptionError("Encryption failed: salt must be 32 bytes");
  const SecretBytes derived = derive_bound_keys(data_key, salt);
  const auto okm = derived.expose_secret();
  Bytes out;
  out.reserve(kBoundOverhead + encrypted_key.size() + plaintext.size());
  out.push_back(kBoundVersion);
  out.push_back(kBoundSuiteKmsHkdfSha256AesGcm);
  put_u16(out, encrypted_key.size());
  append(out, encrypted_key);
  append(out, salt);
  append(out, okm.subspan(kDataKeySize, kCommitmentSize));
  append(out, nonce);
  const Bytes aad = bound_aad(out, binding);
  gcm_seal_append(SecretBytes::copy_of(okm.first(kDataKeySize)), nonce, aad, plaintext, out);
  return out;
}

Bytes open_bound(const SecretBytes& data_key, const BoundEnvelope& envelope, ByteView binding) {
  const SecretBytes derived = derive_bound_keys(data_key, envelope.salt);
  const auto okm = derived.expose_secret();
  // Key commitment: a data key other than the one the writer used cannot pass this check,
  // even one crafted so that the GCM tag would verify under both.
  if (!constant_time_equal(okm.subspan(kDataKeySize, kCommitmentSize), envelope.commitment)) {
    throw EncryptionError("Decryption failed: key commitment does not match the data key");
  }
  return gcm_open(SecretBytes::copy_of(okm.first(kDataKeySize)), envelope.nonce_ciphertext_tag,
                  bound_aad(envelope.header, binding));
}

}  // namespace ddbcrypt::internal
