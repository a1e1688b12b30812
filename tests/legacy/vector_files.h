// Reading the legacy test vectors (tests/vectors/legacy/, spec §15) in tests.
#pragma once

#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ddbcrypt::testing {

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string legacy_vector_path(std::string_view relative) {
  return std::string(DDBCRYPT_VECTORS_DIR) + "/legacy/" + std::string(relative);
}

// The minified JSON text of a DOM element (to feed the item layer's parsers).
inline std::string json_text(simdjson::dom::element element) {
  return simdjson::minify(element);
}

}  // namespace ddbcrypt::testing
