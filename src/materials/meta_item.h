// Meta items shared by the MetaStore implementations (spec §12.4).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "ddbcrypt/encryptor/item_encryptor.h"
#include "ddbcrypt/item/attribute_value.h"
#include "ddbcrypt/materials/materials_provider.h"

namespace ddbcrypt::internal {

// A freshly made meta item and the materials it holds, built from the plaintext keys, so
// that a store that writes it need not decrypt it again (for a KMS meta provider that saves
// one KMS Decrypt per version created).
struct NewMetaItem {
  Item stored;  // encrypted under the meta provider
  std::shared_ptr<const MaterialsProvider> provider;
};
[[nodiscard]] NewMetaItem new_meta_item(std::string_view material_name, std::uint64_t version,
                                        const CryptoConfig& meta_config);

// provider_from_meta_item, after checking that the stored item's N and V are
// (material_name, version): DecryptionError otherwise, so a store can never hand out another
// version's materials for the one asked for.
[[nodiscard]] std::shared_ptr<const MaterialsProvider> provider_for_version(
    const Item& stored, std::string_view material_name, std::uint64_t version,
    const CryptoConfig& meta_config);

}  // namespace ddbcrypt::internal
