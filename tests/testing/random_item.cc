#include "testing/random_item.h"

#include <algorithm>
#include <iterator>
#include <set>

namespace ddbcrypt::testing {
namespace {

int uniform(std::mt19937_64& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

bool one_in(std::mt19937_64& rng, int n) { return uniform(rng, 1, n) == 1; }

// Characters of every UTF-8 width plus what JSON writers must escape.
constexpr const char* kPieces[] = {
    "a", "Z", "0", "9", " ", "-", "_", ".", "#", "/",
    "\xC3\xA9",          // é (2 bytes)
    "\xD0\x96",          // Ж
    "\xE2\x82\xAC",      // € (3 bytes)
    "\xE4\xB8\xAD",      // 中
    "\xF0\x9F\x94\x92",  // 🔒 (4 bytes)
    "\xF0\x90\x8D\x88",  // 𐍈
    "\"", "\\", "\n", "\t", "\x01", "\x1F", "\x7F",
};

std::string random_text(std::mt19937_64& rng, int max_len) {
  std::string out;
  const int n = uniform(rng, 0, std::max(0, max_len));
  for (int i = 0; i < n; ++i) {
    out += kPieces[uniform(rng, 0, static_cast<int>(std::size(kPieces)) - 1)];
  }
  return out;
}

Bytes random_binary(std::mt19937_64& rng, int max_len) {
  Bytes out(static_cast<std::size_t>(uniform(rng, 0, std::max(0, max_len))));
  for (auto& b : out) {
    b = static_cast<std::uint8_t>(one_in(rng, 4) ? 0 : uniform(rng, 0, 255));
  }
  return out;
}

std::string exponent_text(std::mt19937_64& rng, int exponent) {
  std::string out = one_in(rng, 2) ? "E" : "e";
  if (exponent >= 0 && one_in(rng, 2)) out += '+';
  return out + std::to_string(exponent);
}

}  // namespace

std::string random_name(std::mt19937_64& rng) {
  if (one_in(rng, 2)) {
    static constexpr char kAscii[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789";
    std::string name;
    const int n = uniform(rng, 1, 10);
    for (int i = 0; i < n; ++i) name += kAscii[uniform(rng, 0, sizeof(kAscii) - 2)];
    return name;
  }
  std::string name = random_text(rng, 8);
  if (name.empty()) name = "\xF0\x9F\x94\x91";  // 🔑
  return name;
}

std::string random_number(std::mt19937_64& rng, int max_digits) {
  const int n = uniform(rng, 1, std::max(1, max_digits));
  std::string digits(1, static_cast<char>('1' + uniform(rng, 0, 8)));
  for (int i = 1; i < n; ++i) digits += static_cast<char>('0' + uniform(rng, 0, 9));

  std::string out = one_in(rng, 3) ? "-" : "";
  switch (uniform(rng, 0, 5)) {
    case 0:  // integer
      out += digits;
      break;
    case 1: {  // point inside, sometimes with trailing zeros
      if (n == 1) {
        out += digits + ".0";
        break;
      }
      const auto point = static_cast<std::size_t>(uniform(rng, 1, n - 1));
      out += digits.substr(0, point) + "." + digits.substr(point) +
             std::string(static_cast<std::size_t>(uniform(rng, 0, 2)), '0');
      break;
    }
    case 2:  // small fraction
      out += "0." + std::string(static_cast<std::size_t>(uniform(rng, 0, 8)), '0') + digits;
      break;
    case 3: {  // scientific, sometimes near DynamoDB's limits (1E-130 .. 9.99E+125)
      int adjusted = uniform(rng, -30, 30);
      if (one_in(rng, 4)) {
        adjusted = one_in(rng, 2) ? uniform(rng, -130, -120) : uniform(rng, 115, 125);
      }
      if (one_in(rng, 2)) {
        out += digits.substr(0, 1);
        if (n > 1) out += "." + digits.substr(1);
        out += exponent_text(rng, adjusted);
      } else {
        out += digits + exponent_text(rng, adjusted - (n - 1));
      }
      break;
    }
    case 4:  // large integer with trailing zeros
      out += digits + std::string(static_cast<std::size_t>(uniform(rng, 1, 30)), '0');
      break;
    default: {  // zero, in a few spellings, sometimes negative (see the header)
      static constexpr const char* kZeros[] = {"0", "0.00", "0E+3", ".0"};
      const std::string zero = kZeros[uniform(rng, 0, 3)];
      return one_in(rng, 4) ? "-" + zero : zero;
    }
  }
  return out;
}

AttributeValue random_value(std::mt19937_64& rng, const RandomItemOptions& options, int depth) {
  const bool containers = depth < options.max_depth;
  const int size = std::max(1, options.max_collection_size);
  switch (uniform(rng, 0, containers ? 9 : 7)) {
    case 0:
      return AttributeValue::S(random_text(rng, options.max_string_length));
    case 1:
      return AttributeValue::N(random_number(rng, options.max_number_digits));
    case 2:
      return AttributeValue::B(random_binary(rng, options.max_binary_length));
    case 3: {
      std::set<std::string> members;
      const auto n = static_cast<std::size_t>(uniform(rng, 1, size));
      for (int attempts = 0; members.size() < n && attempts < 100; ++attempts) {
        members.insert(random_text(rng, std::min(8, options.max_string_length)));
      }
      std::vector<std::string> shuffled(members.begin(), members.end());
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      return AttributeValue::SS(std::move(shuffled));
    }
    case 4: {
      std::vector<std::string> members;
      const auto n = static_cast<std::size_t>(uniform(rng, 1, size));
      for (int attempts = 0; members.size() < n && attempts < 100; ++attempts) {
        std::string candidate = random_number(rng, options.max_number_digits);
        const bool duplicate = std::any_of(members.begin(), members.end(), [&](const auto& m) {
          return compare_numbers(m, candidate) == 0;
        });
        if (!duplicate) members.push_back(std::move(candidate));
      }
      return AttributeValue::NS(std::move(members));
    }
    case 5: {
      std::set<Bytes> members;
      const auto n = static_cast<std::size_t>(uniform(rng, 1, size));
      for (int attempts = 0; members.size() < n && attempts < 100; ++attempts) {
        members.insert(random_binary(rng, std::min(12, options.max_binary_length)));
      }
      std::vector<Bytes> shuffled(members.begin(), members.end());
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      return AttributeValue::BS(std::move(shuffled));
    }
    case 6:
      return AttributeValue::Bool(one_in(rng, 2));
    case 7:
      return AttributeValue::Null();
    case 8: {
      AttributeValue::Map map;
      const int n = uniform(rng, 0, size);
      for (int i = 0; i < n; ++i) {
        map.insert_or_assign(random_name(rng), random_value(rng, options, depth + 1));
      }
      return AttributeValue::M(std::move(map));
    }
    default: {
      AttributeValue::List list;
      const int n = uniform(rng, 0, size);
      list.reserve(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) list.push_back(random_value(rng, options, depth + 1));
      return AttributeValue::L(std::move(list));
    }
  }
}

Item random_item(std::mt19937_64& rng, const RandomItemOptions& options) {
  Item item;
  const int n = uniform(rng, 1, std::max(1, options.max_attributes));
  for (int i = 0; i < n; ++i) item.insert_or_assign(random_name(rng), random_value(rng, options));
  return item;
}

}  // namespace ddbcrypt::testing
