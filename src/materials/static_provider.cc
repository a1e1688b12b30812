// StaticMaterialsProvider (spec §12.1): the same keys for every item.
#include <utility>

#include "ddbcrypt/error.h"
#include "ddbcrypt/materials/materials_provider.h"

namespace ddbcrypt {

std::unique_ptr<StaticMaterialsProvider> StaticMaterialsProvider::create(StaticMaterials m) {
  if (!m.signing_key) {
    throw ConfigError("static materials need a signing key (HMAC or RSA)");
  }
  return std::unique_ptr<StaticMaterialsProvider>(new StaticMaterialsProvider(std::move(m)));
}

EncryptionMaterials StaticMaterialsProvider::encryption_materials(
    const EncryptionContext& /*context*/) const {
  if (!materials_.signing_key->can_sign()) {
    throw ConfigError("static materials hold only a public " + materials_.signing_key->algorithm() +
                      " key: they can verify but not sign");
  }
  return EncryptionMaterials{materials_.description, materials_.encryption_key,
                             *materials_.signing_key};
}

DecryptionMaterials StaticMaterialsProvider::decryption_materials(
    const EncryptionContext& /*context*/) const {
  // Like Python (and unlike Java, spec §14 D13) the item's description is not checked
  // against the configured one: it is unsigned, so matching it would prove nothing.
  return DecryptionMaterials{materials_.encryption_key, *materials_.signing_key};
}

}  // namespace ddbcrypt
