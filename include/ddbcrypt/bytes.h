// Byte vocabulary shared by every layer, and base64 (RFC 4648, standard alphabet, padded).
//
// `Bytes` owns bytes, `ByteView` borrows them; `std::string` is reserved for text so that a
// DynamoDB S value and a B value never look alike in a signature.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ddbcrypt {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Views the bytes of a text as bytes (no copy; lives as long as `text`).
inline ByteView as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}
inline Bytes to_bytes(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

[[nodiscard]] std::string base64_encode(ByteView data);

// Strict decoding: only the standard alphabet, correct padding, no whitespace.
// Throws FormatError naming what was wrong (never echoing the input).
[[nodiscard]] Bytes base64_decode(std::string_view text);

// Lenient decoding as the reference libraries do for `amzn-ddb-env-key`: characters outside
// the alphabet are skipped and missing padding is tolerated. Throws FormatError only when
// the remaining characters cannot form bytes.
[[nodiscard]] Bytes base64_decode_lenient(std::string_view text);

// Lower-case hexadecimal.
[[nodiscard]] std::string hex_encode(ByteView data);
// Throws FormatError on odd length or non-hex characters.
[[nodiscard]] Bytes hex_decode(std::string_view text);

}  // namespace ddbcrypt
