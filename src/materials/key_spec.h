// Keys described as JSON objects (keys.json entries, materials files) and the providers they
// make; shared by materials_from_json and the test-vector runner.
#pragma once

#include <simdjson.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/crypto/secret_bytes.h"
#include "ddbcrypt/materials/materials_provider.h"

namespace ddbcrypt::internal {

struct KeySpec {
  std::string algorithm;  // JCE name
  std::variant<SecretBytes, RsaPublicKey, RsaPrivateKey> material;
};

// Parses {"type", "algorithm", "encoding", "material"}. ConfigError naming `where` (e.g.
// "keys.sign") on any problem.
[[nodiscard]] KeySpec parse_key_spec(simdjson::dom::element key, const std::string& where);

struct KeyRoles {
  std::optional<KeySpec> encrypt;
  std::optional<KeySpec> decrypt;
  std::optional<KeySpec> sign;
  std::optional<KeySpec> verify;
};

// "static" or "wrapped" from the roles (see ddbcrypt/materials/materials_file.h).
[[nodiscard]] std::shared_ptr<const MaterialsProvider> make_provider(
    std::string_view kind, const KeyRoles& keys, const MaterialDescription& description);

// A string member of a JSON object; ConfigError naming `where` if absent or not a string.
[[nodiscard]] std::string_view string_member(simdjson::dom::element object, const char* name,
                                             const std::string& where);

}  // namespace ddbcrypt::internal
