#include "ddbcrypt/bytes.h"

#include <array>

#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Maps a byte to its 6-bit value, or -1 when it is not in the alphabet.
constexpr std::array<int, 256> make_decode_table() {
  std::array<int, 256> table{};
  for (auto& v : table) v = -1;
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}
constexpr std::array<int, 256> kDecode = make_decode_table();

// Decodes groups of sextets already stripped of padding.
Bytes decode_sextets(const std::vector<std::uint8_t>& sextets) {
  if (sextets.size() % 4 == 1) {
    throw FormatError("invalid base64: the number of characters cannot encode whole bytes");
  }
  Bytes out;
  out.reserve(sextets.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t s : sextets) {
    buffer = (buffer << 6) | s;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((buffer >> bits) & 0xFFu));
    }
  }
  return out;
}

}  // namespace

std::string base64_encode(ByteView data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) |
                            data[i + 2];
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const std::uint32_t n = std::uint32_t{data[i]} << 16;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.append("==");
  } else if (rest == 2) {
    const std::uint32_t n = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

Bytes base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    throw FormatError("invalid base64: length is not a multiple of 4");
  }
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  std::vector<std::uint8_t> sextets;
  sextets.reserve(text.size());
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    const int v = kDecode[static_cast<unsigned char>(text[i])];
    if (v < 0) throw FormatError("invalid base64: character outside the standard alphabet");
    sextets.push_back(static_cast<std::uint8_t>(v));
  }
  // Canonical encodings leave the unused low bits of the last sextet at zero.
  if (padding == 1 && (sextets.back() & 0x03) != 0) {
    throw FormatError("invalid base64: non-zero padding bits");
  }
  if (padding == 2 && (sextets.back() & 0x0F) != 0) {
    throw FormatError("invalid base64: non-zero padding bits");
  }
  return decode_sextets(sextets);
}

Bytes base64_decode_lenient(std::string_view text) {
  std::vector<std::uint8_t> sextets;
  sextets.reserve(text.size());
  for (char c : text) {
    if (c == '=') break;
    const int v = kDecode[static_cast<unsigned char>(c)];
    if (v >= 0) sextets.push_back(static_cast<std::uint8_t>(v));
  }
  return decode_sextets(sextets);
}

std::string hex_encode(ByteView data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (std::uint8_t b : data) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

Bytes hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) throw FormatError("invalid hex: odd length");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw FormatError("invalid hex: character outside 0-9a-f");
  };
  Bytes out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>((nibble(text[i]) << 4) | nibble(text[i + 1])));
  }
  return out;
}

}  // namespace ddbcrypt
