// The item encryptor, byte-compatible with the AWS DynamoDB Encryption Client (legacy Java
// and Python libraries). See spec/legacy-item-format.md.
//
// encrypt_item replaces every ENCRYPT_AND_SIGN attribute with a B value holding
// IV || AES-CBC(serialize(value)), signs the table name and every signed attribute, and adds
// `*amzn-ddb-map-desc*` and `*amzn-ddb-map-sig*`. decrypt_item verifies the signature before
// decrypting anything.
//
// Example:
//   auto provider = StaticMaterialsProvider::create({...});
//   CryptoConfig config{
//       .provider = std::move(provider),
//       .context = {.table_name = "users", .partition_key_name = "pk"},
//       .actions = AttributeActions::create(CryptoAction::kEncryptAndSign,
//                                           {{"email", CryptoAction::kSignOnly}}),
//   };
//   Item stored = encrypt_item(plain, config);
//   Item back = decrypt_item(stored, config);
//
// Errors: ConfigError (reserved name, key configured to be encrypted, no encryption key, no
// table name), EncryptionError (among others: a SIGN_ONLY number that the Java and Python
// reference libraries would sign differently, i.e. a negative zero or more than 28
// significant digits; see docs/legacy-format-notes.md), DecryptionError (no signature, bad
// material description, unwrap or attribute decryption failure), SignatureError (tampered
// item, wrong key, other table name or actions), and whatever the provider throws (KmsError,
// DynamoDbError). No error message contains attribute values.
//
// Thread-safety: pure functions of their inputs; the config may be shared between threads.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ddbcrypt/item/attribute_value.h"
#include "ddbcrypt/materials/materials_provider.h"

namespace ddbcrypt {

inline constexpr std::string_view kMaterialDescriptionAttribute = "*amzn-ddb-map-desc*";
inline constexpr std::string_view kSignatureAttribute = "*amzn-ddb-map-sig*";

// Ordered DO_NOTHING < SIGN_ONLY < ENCRYPT_AND_SIGN as in the reference. Values are stable.
enum class CryptoAction : std::uint8_t {
  kDoNothing = 0,
  kSignOnly = 1,
  kEncryptAndSign = 2,
};

// "encrypt", "sign", "nothing" (the vectors' spelling); parse accepts those and the
// reference's enum names (ENCRYPT_AND_SIGN, SIGN_ONLY, DO_NOTHING). ConfigError otherwise.
std::string_view action_name(CryptoAction action) noexcept;
[[nodiscard]] CryptoAction parse_action(std::string_view name);

// A default action plus per-attribute overrides (value type).
class AttributeActions {
 public:
  // ConfigError if an override names a reserved attribute.
  [[nodiscard]] static AttributeActions create(
      CryptoAction default_action = CryptoAction::kEncryptAndSign,
      std::map<std::string, CryptoAction> overrides = {});

  CryptoAction default_action() const noexcept { return default_action_; }
  const std::map<std::string, CryptoAction>& overrides() const noexcept { return overrides_; }
  CryptoAction action(std::string_view attribute_name) const;

  // The actions with the table's primary-key attributes never encrypted: an ENCRYPT_AND_SIGN
  // default becomes SIGN_ONLY for them; an explicit ENCRYPT_AND_SIGN override for a key is a
  // ConfigError. (The reference's table wrappers do the same.)
  [[nodiscard]] AttributeActions with_primary_keys(
      std::string_view partition_key, const std::optional<std::string>& sort_key) const;

  // True when every configured action is DO_NOTHING: items pass through unchanged.
  bool is_noop() const noexcept;
  bool may_encrypt() const noexcept;

  friend bool operator==(const AttributeActions&, const AttributeActions&) = default;

 private:
  CryptoAction default_action_ = CryptoAction::kEncryptAndSign;
  std::map<std::string, CryptoAction> overrides_;
};

// Everything the encryptor needs for one table.
struct CryptoConfig {
  std::shared_ptr<const MaterialsProvider> provider;
  // Table name and primary key names; `attributes` is filled in per item by the encryptor.
  EncryptionContext context;
  AttributeActions actions;
};

// Encrypts and signs one item. The primary-key attributes named in the context are never
// encrypted (see AttributeActions::with_primary_keys).
[[nodiscard]] Item encrypt_item(const Item& item, const CryptoConfig& config);
// Verifies and decrypts one item; the reserved attributes are not in the result.
[[nodiscard]] Item decrypt_item(const Item& item, const CryptoConfig& config);

// The same, moving the attributes that are kept as they are out of `item` instead of copying
// them (cheaper for large items the caller no longer needs).
[[nodiscard]] Item encrypt_item(Item&& item, const CryptoConfig& config);
[[nodiscard]] Item decrypt_item(Item&& item, const CryptoConfig& config);

// The same over DynamoDB-JSON text (one item object); FormatError for malformed JSON.
[[nodiscard]] std::string encrypt_item_json(std::string_view item_json,
                                            const CryptoConfig& config);
[[nodiscard]] std::string decrypt_item_json(std::string_view item_json,
                                            const CryptoConfig& config);

}  // namespace ddbcrypt
