// The key material behind the public WrappingKey / UnwrappingKey handles, shared with every
// provider that wraps content keys (wrapped, most-recent).
#pragma once

#include <variant>

#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/materials/materials_provider.h"

namespace ddbcrypt {

struct WrappingKey::Impl {
  std::variant<AesKey, RsaPublicKey> key;
};

struct UnwrappingKey::Impl {
  std::variant<AesKey, RsaPrivateKey> key;
};

}  // namespace ddbcrypt
