#include "legacy/material_description.h"

#include <cstdint>
#include <limits>
#include <string>

#include "ddbcrypt/error.h"
#include "legacy/format.h"

namespace ddbcrypt::internal::legacy {
namespace {

void put_u32(Bytes& out, std::size_t n) {
  if (n > std::numeric_limits<std::uint32_t>::max()) {
    throw ConfigError("material description entry too large");
  }
  const auto v = static_cast<std::uint32_t>(n);
  out.push_back(static_cast<std::uint8_t>(v >> 24));
  out.push_back(static_cast<std::uint8_t>(v >> 16));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

std::uint32_t get_u32(ByteView data, std::size_t pos) {
  return (std::uint32_t{data[pos]} << 24) | (std::uint32_t{data[pos + 1]} << 16) |
         (std::uint32_t{data[pos + 2]} << 8) | std::uint32_t{data[pos + 3]};
}

}  // namespace

Bytes serialize_material_description(const MaterialDescription& description) {
  std::size_t size = 4;
  for (const auto& [key, value] : description) size += 8 + key.size() + value.size();
  Bytes out;
  out.reserve(size);
  put_u32(out, kDescriptionVersion);
  // MaterialDescription is a std::map<std::string, ...>: already in UTF-8 byte order.
  for (const auto& [key, value] : description) {
    put_u32(out, key.size());
    out.insert(out.end(), key.begin(), key.end());
    put_u32(out, value.size());
    out.insert(out.end(), value.begin(), value.end());
  }
  return out;
}

MaterialDescription parse_material_description(ByteView data) {
  if (data.size() < 4) throw FormatError("material description is shorter than its version");
  if (get_u32(data, 0) != kDescriptionVersion) {
    throw FormatError("material description has an unsupported version");
  }
  MaterialDescription description;
  std::size_t pos = 4;
  auto read_field = [&](const char* what) {
    if (data.size() - pos < 4) {
      throw FormatError(std::string("material description is truncated (") + what + " length)");
    }
    const std::uint32_t length = get_u32(data, pos);
    pos += 4;
    if (data.size() - pos < length) {
      throw FormatError(std::string("material description is truncated (") + what + ")");
    }
    std::string field(reinterpret_cast<const char*>(data.data() + pos), length);
    pos += length;
    return field;
  };
  while (pos < data.size()) {
    std::string key = read_field("key");
    std::string value = read_field("value");
    description.insert_or_assign(std::move(key), std::move(value));
  }
  return description;
}

}  // namespace ddbcrypt::internal::legacy
