// Wire constants of the legacy DynamoDB Encryption Client item format, shared by every encoder
// and decoder of that format (docs/spec/legacy-item-format.md). These bytes and names are what
// the Java and Python reference libraries write: never change them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ddbcrypt::internal::legacy {

// §5.1: every serialized value starts with 0x00 followed by one of these type letters.
inline constexpr std::uint8_t kTagReserved = 0x00;
inline constexpr std::uint8_t kTagString = 's';
inline constexpr std::uint8_t kTagNumber = 'n';
inline constexpr std::uint8_t kTagBinary = 'b';
inline constexpr std::uint8_t kTagStringSet = 'S';
inline constexpr std::uint8_t kTagNumberSet = 'N';
inline constexpr std::uint8_t kTagBinarySet = 'B';
inline constexpr std::uint8_t kTagBool = '?';
inline constexpr std::uint8_t kTagNull = 0x00;
inline constexpr std::uint8_t kTagList = 'L';
inline constexpr std::uint8_t kTagMap = 'M';

inline constexpr std::uint8_t kBoolFalse = 0x00;
inline constexpr std::uint8_t kBoolTrue = 0x01;

// §2: the two attributes the encryptor adds (the same names are public in
// ddbcrypt/encryptor/item_encryptor.h).
inline constexpr std::string_view kDescriptionAttribute = "*amzn-ddb-map-desc*";
inline constexpr std::string_view kSignatureAttribute = "*amzn-ddb-map-sig*";

// §6.1: the 4-byte version that opens a serialized material description.
inline constexpr std::uint32_t kDescriptionVersion = 0;

// §6.2: material description keys.
inline constexpr std::string_view kSymModeKey = "amzn-ddb-map-sym-mode";
inline constexpr std::string_view kSigningAlgorithmKey = "amzn-ddb-map-signingAlg";
inline constexpr std::string_view kEnvelopeKeyKey = "amzn-ddb-env-key";
inline constexpr std::string_view kContentKeyAlgorithmKey = "amzn-ddb-env-alg";
inline constexpr std::string_view kWrapAlgorithmKey = "amzn-ddb-wrap-alg";
inline constexpr std::string_view kSigningKeyAlgorithmKey = "amzn-ddb-sig-alg";
inline constexpr std::string_view kKmsContextAttributesKey = "aws-kms-ec-attr";
inline constexpr std::string_view kMetaIdKey = "amzn-ddb-meta-id";

// §9: the only attribute cipher mode either library writes. The description is not signed,
// so accepting any other mode on read would hand an attacker a choice of cipher.
inline constexpr std::string_view kSymModeCbc = "/CBC/PKCS5Padding";

// §12.2: content key description written by the wrapped provider when none is configured
// (Python's spelling; Java writes "AES", which readers also accept).
inline constexpr std::string_view kDefaultContentKeyAlgorithm = "AES/256";

// §8.1: SHA-256 of the flag words that say whether a signed attribute is stored encrypted.
inline constexpr std::size_t kSha256Size = 32;
using Sha256Digest = std::array<std::uint8_t, kSha256Size>;

// H("ENCRYPTED")
inline constexpr Sha256Digest kEncryptedFlagHash = {
    0x39, 0x41, 0x15, 0xac, 0x4e, 0xb0, 0x9a, 0xa4, 0x94, 0x29, 0x34, 0x88, 0x16, 0xb2, 0x03, 0x81,
    0x27, 0xb0, 0xf9, 0xe3, 0xa5, 0x20, 0x37, 0x2a, 0xe1, 0x00, 0xca, 0x19, 0xfb, 0x08, 0xfd, 0x50};
// H("PLAINTEXT")
inline constexpr Sha256Digest kPlaintextFlagHash = {
    0xcb, 0x40, 0xe7, 0xda, 0xdc, 0x86, 0x16, 0x1b, 0x97, 0x98, 0xde, 0x48, 0x51, 0x2f, 0x33, 0x2d,
    0x21, 0xc1, 0x41, 0xfc, 0xc1, 0xe2, 0x8a, 0x08, 0x6f, 0xde, 0x4a, 0x33, 0x75, 0xaa, 0xb1, 0xb5};

// §8.1: the table name is hashed as "TABLE>" + name + "<TABLE".
inline constexpr std::string_view kTableNamePrefix = "TABLE>";
inline constexpr std::string_view kTableNameSuffix = "<TABLE";

// §9: AES block and IV size.
inline constexpr std::size_t kAesBlockSize = 16;

}  // namespace ddbcrypt::internal::legacy
