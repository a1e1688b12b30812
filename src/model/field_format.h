// Wire constants and envelope encoding of the two field formats, shared by writer and reader.
//
//   pydynox (version 0x01), docs/spec/field-encryption.md §4:
//     0x01 | u16be L | edk[L] | nonce[12] | ciphertext[n] | tag[16]        AAD: empty
//   bound (version 0x02), docs/bound-field-format.md:
//     0x02 | suite 0x01 | u16be L | edk[L] | salt[32] | commitment[32] | nonce[12]
//          | ciphertext[n] | tag[16]
//     value key || commitment = HKDF-SHA256(ikm = data key, salt, info = kBoundHkdfInfo, 64)
//     AAD = every envelope byte before the ciphertext || encode_binding(...)
//
// Stored text: "ENC:" + canonical padded standard base64 of the envelope.
//
// The functions below take every random input (nonce, salt) as an argument: the caller draws
// them, and the test vectors fix them. Errors are EncryptionError with a short reason (the
// pydynox texts where pydynox has one); FieldEncryptor adds the field's names.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/secret_bytes.h"

namespace ddbcrypt::internal {

inline constexpr std::string_view kFieldPrefix = "ENC:";

// Version bytes. Wire values: never renumber.
inline constexpr std::uint8_t kPydynoxVersion = 0x01;
inline constexpr std::uint8_t kBoundVersion = 0x02;
// Bound-format suite: AWS KMS data key (AES_256), HKDF-SHA256 with a 32-byte salt giving a
// 32-byte value key and a 32-byte commitment, AES-256-GCM with a 12-byte nonce and 16-byte tag.
inline constexpr std::uint8_t kBoundSuiteKmsHkdfSha256AesGcm = 0x01;

inline constexpr std::size_t kDataKeySize = 32;
inline constexpr std::size_t kNonceSize = 12;
inline constexpr std::size_t kTagSize = 16;
inline constexpr std::size_t kSaltSize = 32;
inline constexpr std::size_t kCommitmentSize = 32;
inline constexpr std::size_t kMaxEncryptedKeySize = 0xFFFF;  // u16 length field

// Envelope sizes without the encrypted data key and the plaintext.
inline constexpr std::size_t kPydynoxOverhead = 1 + 2 + kNonceSize + kTagSize;  // 31
inline constexpr std::size_t kBoundOverhead =
    1 + 1 + 2 + kSaltSize + kCommitmentSize + kNonceSize + kTagSize;  // 96

// HKDF info of the bound format: the label, then the version and suite bytes.
inline constexpr std::array<std::uint8_t, 22> kBoundHkdfInfo = {
    'd', 'd', 'b', 'c', 'r', 'y', 'p', 't', ' ', 'b', 'o', 'u', 'n', 'd', ' ',
    'f', 'i', 'e', 'l', 'd', kBoundVersion, kBoundSuiteKmsHkdfSha256AesGcm};

// A parsed pydynox envelope; views into the envelope bytes.
struct PydynoxEnvelope {
  ByteView encrypted_key;
  ByteView nonce_ciphertext_tag;  // at least nonce + tag bytes
};

// A parsed bound envelope; views into the envelope bytes.
struct BoundEnvelope {
  ByteView encrypted_key;
  ByteView salt;
  ByteView commitment;
  ByteView header;  // every byte before the ciphertext (authenticated as AAD)
  ByteView nonce_ciphertext_tag;
};

// "ENC:" + base64(envelope).
[[nodiscard]] std::string to_stored_text(ByteView envelope);
// The envelope of a stored text. Throws EncryptionError when the prefix is missing
// ("Ciphertext must start with 'ENC:' prefix") or the base64 is not canonical
// ("Invalid base64: ...").
[[nodiscard]] Bytes from_stored_text(std::string_view stored);

// The version byte; throws EncryptionError("Invalid envelope: too short") when empty.
[[nodiscard]] std::uint8_t envelope_version(ByteView envelope);

// Structural parsing; no cryptography. Throw EncryptionError naming the failed check.
[[nodiscard]] PydynoxEnvelope parse_pydynox_envelope(ByteView envelope);
[[nodiscard]] BoundEnvelope parse_bound_envelope(ByteView envelope);

// pydynox: AES-256-GCM of `plaintext` under `data_key` with `nonce` and empty AAD.
[[nodiscard]] Bytes seal_pydynox(const SecretBytes& data_key, ByteView encrypted_key,
                                 ByteView nonce, ByteView plaintext);
// Returns the plaintext; EncryptionError("Decryption failed: ...") when the tag does not
// verify (nothing is returned).
[[nodiscard]] Bytes open_pydynox(const SecretBytes& data_key, const PydynoxEnvelope& envelope);

// bound: `binding` is encode_binding()'s output for the value's place.
[[nodiscard]] Bytes seal_bound(const SecretBytes& data_key, ByteView encrypted_key,
                               ByteView salt, ByteView nonce, ByteView binding,
                               ByteView plaintext);
// Checks the key commitment, then opens. EncryptionError when the commitment does not match
// the data key or the tag does not verify (nothing is returned).
[[nodiscard]] Bytes open_bound(const SecretBytes& data_key, const BoundEnvelope& envelope,
                               ByteView binding);

}  // namespace ddbcrypt::internal
