#include "item/json_path.h"

#include "ddbcrypt/item/dynamodb_json.h"

namespace ddbcrypt::internal {
namespace {

constexpr std::size_t kMaxRenderedKey = 64;

bool is_simple(std::string_view key) {
  if (key.empty()) return false;
  for (const char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Cuts at a UTF-8 character boundary so the message stays valid UTF-8.
std::string_view shorten(std::string_view key) {
  if (key.size() <= kMaxRenderedKey) return key;
  std::size_t end = kMaxRenderedKey;
  while (end > 0 && (static_cast<unsigned char>(key[end]) & 0xC0) == 0x80) --end;
  return key.substr(0, end);
}

}  // namespace

std::string JsonPath::render() const {
  std::string out = "$";
  for (const auto& segment : segments_) {
    if (segment.is_index) {
      out += '[';
      out += std::to_string(segment.index);
      out += ']';
      continue;
    }
    const std::string_view key = shorten(segment.key);
    const bool shortened = key.size() != segment.key.size();
    if (is_simple(key)) {
      out += '.';
      out += key;
      if (shortened) out += "...";
    } else {
      out += '[';
      append_json_string(out, key);
      if (shortened) out += "...";
      out += ']';
    }
  }
  return out;
}

}  // namespace ddbcrypt::internal
