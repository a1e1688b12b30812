#include "testing/random_item.h"

#include <set>

namespace ddbcrypt::testing {
namespace {

int uniform(std::mt19937_64& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

std::string random_text(std::mt19937_64& rng, int max_len) {
  static const char* const kPieces[] = {"a", "Z", "0", " ", "-", "_", "\xC3\xA9" /* é */,
                                        "\xE2\x82\xAC" /* € */, "\xF0\x9F\x94\x92" /* 🔒 */,
                                        "\xE4\xB8\xAD" /* 中 */, "\"", "\\", "\n"};
  std::string out;
  const int n = uniform(rng, 0, max_len);
  for (int i = 0; i < n; ++i) out += kPieces[uniform(rng, 0, std::size(kPieces) - 1)];
  return out;
}

Bytes random_binary(std::mt19937_64& rng, int max_len) {
  Bytes out(static_cast<std::size_t>(uniform(rng, 0, max_len)));
  for (auto& b : out) b = static_cast<std::uint8_t>(uniform(rng, 0, 3) == 0 ? 0 : uniform(rng, 0, 255));
  return out;
}

}  // namespace

std::string random_name(std::mt19937_64& rng) {
  std::string name = random_text(rng, 6);
  if (name.empty()) name = "n";
  return name;
}

std::string random_number(std::mt19937_64& rng) {
  std::string digits;
  const int n = uniform(rng, 1, 28);
  for (int i = 0; i < n; ++i) digits.push_back(static_cast<char>('0' + uniform(rng, 0, 9)));
  std::string out = uniform(rng, 0, 3) == 0 ? "-" : "";
  switch (uniform(rng, 0, 3)) {
    case 0:
      out += digits;
      break;
    case 1: {
      const auto point = static_cast<std::size_t>(uniform(rng, 0, n));
      out += (point == 0 ? "0" : digits.substr(0, point)) + "." + digits.substr(point) + "0";
      if (out.back() == '.') out += "0";
      break;
    }
    case 2:
      out += digits + "E" + std::to_string(uniform(rng, -40, 40));
      break;
    default:
      out += "0." + std::string(static_cast<std::size_t>(uniform(rng, 0, 5)), '0') + digits;
  }
  return out;
}

AttributeValue random_value(std::mt19937_64& rng, const RandomItemOptions& options, int depth) {
  const int max_type = depth >= options.max_depth ? 5 : 7;
  const int size = options.max_collection_size;
  switch (uniform(rng, 0, max_type + 2)) {
    case 0:
      return AttributeValue::S(random_text(rng, 20));
    case 1:
      return AttributeValue::N(random_number(rng));
    case 2:
      return AttributeValue::B(random_binary(rng, 40));
    case 3: {
      std::set<std::string> members;
      const int n = uniform(rng, 1, size);
      while (static_cast<int>(members.size()) < n) members.insert(random_text(rng, 8));
      return AttributeValue::SS({members.begin(), members.end()});
    }
    case 4: {
      std::vector<std::string> members;
      const int n = uniform(rng, 1, size);
      for (int i = 0; i < n; ++i) {
        std::string candidate = random_number(rng);
        bool duplicate = false;
        for (const auto& m : members) duplicate |= compare_numbers(m, candidate) == 0;
        if (!duplicate) members.push_back(std::move(candidate));
      }
      return AttributeValue::NS(std::move(members));
    }
    case 5: {
      std::set<Bytes> members;
      const int n = uniform(rng, 1, size);
      while (static_cast<int>(members.size()) < n) members.insert(random_binary(rng, 12));
      return AttributeValue::BS({members.begin(), members.end()});
    }
    case 6: {
      AttributeValue::Map map;
      const int n = uniform(rng, 0, size);
      for (int i = 0; i < n; ++i) map[random_name(rng)] = random_value(rng, options, depth + 1);
      return AttributeValue::M(std::move(map));
    }
    case 7: {
      AttributeValue::List list;
      const int n = uniform(rng, 0, size);
      for (int i = 0; i < n; ++i) list.push_back(random_value(rng, options, depth + 1));
      return AttributeValue::L(std::move(list));
    }
    case 8:
      return AttributeValue::Bool(uniform(rng, 0, 1) == 1);
    default:
      return AttributeValue::Null();
  }
}

Item random_item(std::mt19937_64& rng, const RandomItemOptions& options) {
  Item item;
  const int n = uniform(rng, 1, options.max_attributes);
  for (int i = 0; i < n; ++i) item[random_name(rng)] = random_value(rng, options);
  return item;
}

}  // namespace ddbcrypt::testing
