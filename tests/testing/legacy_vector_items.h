// The encrypted items of one legacy vector ciphertext file paired with their expanded
// plaintext and attribute actions (spec §15.3, §15.4), for tests that check a provider
// against what the reference libraries wrote.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddbcrypt/encryptor/item_encryptor.h"
#include "ddbcrypt/item/attribute_value.h"

namespace ddbcrypt::testing {

struct VectorItem {
  std::string table;
  std::string pk;
  std::optional<std::string> sk;
  Item plaintext;  // expanded for the scenario's version; `version` as the reference stored it
  AttributeActions actions;
  Item stored;     // the reference's ciphertext item
};

// `ciphertext` is the scenario's path relative to encrypted_item/, e.g.
// "ciphertext/python/aws-kms-direct-1.json". Items whose action set is "nothing" (they carry no
// description or signature) and items with no plaintext counterpart are left out. Throws
// std::runtime_error when the scenario or files are missing.
std::vector<VectorItem> legacy_vector_items(std::string_view ciphertext);

}  // namespace ddbcrypt::testing
