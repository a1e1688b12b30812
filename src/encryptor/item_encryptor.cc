// encrypt_item / decrypt_item (spec §7, §10).
#include "ddbcrypt/encryptor/item_encryptor.h"

#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "legacy/attribute_encryption.h"
#include "legacy/attribute_serialization.h"
#include "legacy/format.h"
#include "legacy/material_description.h"
#include "legacy/string_to_sign.h"

namespace ddbcrypt {
namespace {

namespace lf = internal::legacy;

static_assert(kMaterialDescriptionAttribute == lf::kDescriptionAttribute);
static_assert(kSignatureAttribute == lf::kSignatureAttribute);

bool is_reserved(const std::string& name) {
  return name == kMaterialDescriptionAttribute || name == kSignatureAttribute;
}

void check_config(const CryptoConfig& config, const char* operation) {
  if (!config.provider) {
    throw ConfigError(std::string(operation) + ": the crypto config has no materials provider");
  }
  // Python would sign "TABLE>None<TABLE" and Java "TABLE>null<TABLE" (spec §14 D9); neither
  // is a table name anyone can agree on.
  if (config.context.table_name.empty()) {
    throw ConfigError(std::string(operation) + ": the encryption context has no table name");
  }
}

// The action of each attribute of an item, visited in name order. Walks the (equally
// ordered) overrides alongside, so no lookup allocates, and keeps primary keys in clear.
class ActionCursor {
 public:
  explicit ActionCursor(const CryptoConfig& config)
      : actions_(config.actions),
        it_(config.actions.overrides().begin()),
        end_(config.actions.overrides().end()),
        partition_key_(config.context.partition_key_name),
        sort_key_(config.context.sort_key_name) {
    for (const auto* key : {&partition_key_, &sort_key_}) {
      if (*key && actions_.action(**key) == CryptoAction::kEncryptAndSign &&
          actions_.overrides().count(**key) != 0) {
        throw ConfigError("primary key attribute " + **key +
                          " is configured to be encrypted; DynamoDB needs key attributes in "
                          "clear (use sign or nothing)");
      }
    }
  }

  // `name`s must come in ascending order.
  CryptoAction next(const std::string& name) {
    while (it_ != end_ && it_->first < name) ++it_;
    CryptoAction action =
        (it_ != end_ && it_->first == name) ? it_->second : actions_.default_action();
    // An ENCRYPT_AND_SIGN default is lowered to SIGN_ONLY for key attributes, as the
    // reference's table wrappers do (spec §3).
    if (action == CryptoAction::kEncryptAndSign &&
        ((partition_key_ && name == *partition_key_) || (sort_key_ && name == *sort_key_))) {
      action = CryptoAction::kSignOnly;
    }
    return action;
  }

 private:
  const AttributeActions& actions_;
  std::map<std::string, CryptoAction>::const_iterator it_;
  std::map<std::string, CryptoAction>::const_iterator end_;
  const std::optional<std::string>& partition_key_;
  const std::optional<std::string>& sort_key_;
};

std::string where(const std::string& attribute, const CryptoConfig& config) {
  return "attribute \"" + attribute + "\" of an item for table \"" + config.context.table_name +
         "\"";
}

template <class ItemRef>
Item encrypt_impl(ItemRef&& item, const CryptoConfig& config) {
  constexpr bool kMovable = !std::is_const_v<std::remove_reference_t<ItemRef>>;
  check_config(config, "encrypt_item");
  if (config.actions.is_noop()) return Item(std::forward<ItemRef>(item));
  for (const auto& [name, value] : item) {
    if (is_reserved(name)) {
      throw ConfigError("cannot encrypt an item for table \"" + config.context.table_name +
                        "\" that already has the reserved attribute " + name);
    }
  }
  ActionCursor check_keys(config);

  EncryptionContext context = config.context;
  context.attributes = &item;
  EncryptionMaterials materials = config.provider->encryption_materials(context);
  if (!materials.encryption_key && config.actions.may_encrypt()) {
    throw ConfigError("encrypt_item: attributes are configured to be encrypted but the "
                      "materials provider gave no encryption key");
  }
  if (!materials.signing_key.can_sign()) {
    throw ConfigError("encrypt_item: the materials provider gave a verification-only key");
  }

  Item out;
  lf::StringToSign string_to_sign(config.context.table_name);
  std::optional<lf::AttributeCipher> cipher;
  if (materials.encryption_key) cipher.emplace(*materials.encryption_key);
  ActionCursor actions(config);
  for (auto& [name, value] : item) {
    const CryptoAction action = actions.next(name);
    if (action == CryptoAction::kEncryptAndSign) {
      Bytes ciphertext = cipher->encrypt(value);
      const auto it = out.emplace_hint(out.end(), name, AttributeValue::B(std::move(ciphertext)));
      string_to_sign.add(name, it->second, /*encrypted=*/true);
      continue;
    }
    if (action == CryptoAction::kSignOnly) {
      // Java and Python sign these numbers differently (spec §14 D5): an item carrying one
      // in clear could be verified by only one of them.
      if (lf::contains_dialect_sensitive_number(value)) {
        throw EncryptionError(
            where(name, config) +
            ": SIGN_ONLY numbers must not be negative zero or have more than 28 significant "
            "digits (the reference libraries would sign them differently); encrypt the "
            "attribute or change the value");
      }
      string_to_sign.add(name, value, /*encrypted=*/false);
    }
    if constexpr (kMovable) {
      out.emplace_hint(out.end(), name, std::move(value));
    } else {
      out.emplace_hint(out.end(), name, value);
    }
  }

  Bytes signature = materials.signing_key.sign(string_to_sign.bytes());
  MaterialDescription& description = materials.description;
  if (materials.encryption_key) {
    description.insert_or_assign(std::string(lf::kSymModeKey), std::string(lf::kSymModeCbc));
  }
  // Python writes the signing algorithm for every key, Java only for RSA; writing it always
  // is harmless to both (spec §14 D2).
  description.insert_or_assign(std::string(lf::kSigningAlgorithmKey),
                               materials.signing_key.algorithm());
  out.emplace(std::string(kSignatureAttribute), AttributeValue::B(std::move(signature)));
  out.emplace(std::string(kMaterialDescriptionAttribute),
              AttributeValue::B(lf::serialize_material_description(description)));
  return out;
}

lf::StringToSign build_string_to_sign(const Item& item, const CryptoConfig& config,
                                      lf::NumberDialect dialect, bool* has_sensitive_number) {
  lf::StringToSign string_to_sign(config.context.table_name, dialect);
  ActionCursor actions(config);
  for (const auto& [name, value] : item) {
    if (is_reserved(name)) continue;
    const CryptoAction action = actions.next(name);
    if (action == CryptoAction::kDoNothing) continue;
    const bool encrypted = action == CryptoAction::kEncryptAndSign;
    if (has_sensitive_number != nullptr && !encrypted &&
        lf::contains_dialect_sensitive_number(value)) {
      *has_sensitive_number = true;
    }
    string_to_sign.add(name, value, encrypted);
  }
  return string_to_sign;
}

template <class ItemRef>
Item decrypt_impl(ItemRef&& item, const CryptoConfig& config) {
  constexpr bool kMovable = !std::is_const_v<std::remove_reference_t<ItemRef>>;
  check_config(config, "decrypt_item");
  if (config.actions.is_noop()) return Item(std::forward<ItemRef>(item));

  const auto signature_it = item.find(std::string(kSignatureAttribute));
  if (signature_it == item.end()) {
    throw DecryptionError("item for table \"" + config.context.table_name +
                          "\" has no signature attribute " + std::string(kSignatureAttribute));
  }
  if (!signature_it->second.is(AttributeValue::Type::kB)) {
    throw DecryptionError("item for table \"" + config.context.table_name +
                          "\": the signature attribute is not of type B");
  }
  EncryptionContext context = config.context;
  context.attributes = &item;
  if (const auto it = item.find(std::string(kMaterialDescriptionAttribute)); it != item.end()) {
    if (!it->second.is(AttributeValue::Type::kB)) {
      throw DecryptionError("item for table \"" + config.context.table_name +
                            "\": the material description attribute is not of type B");
    }
    try {
      context.material_description = lf::parse_material_description(it->second.as_b());
    } catch (const FormatError& e) {
      throw DecryptionError("item for table \"" + config.context.table_name +
                            "\": invalid material description: " + e.what());
    }
  }
  // Java omits an empty description (spec §14 D14): absence means empty.
  const DecryptionMaterials materials = config.provider->decryption_materials(context);

  // Verify before decrypting anything: CBC without a MAC would otherwise be a padding oracle.
  const ByteView signature = signature_it->second.as_b();
  const auto signing_alg = context.material_description.find(std::string(lf::kSigningAlgorithmKey));
  const std::string* described =
      signing_alg == context.material_description.end() ? nullptr : &signing_alg->second;
  bool has_sensitive_number = false;
  bool verified = materials.verification_key.verify(
      build_string_to_sign(item, config, lf::NumberDialect::kExact, &has_sensitive_number).bytes(),
      signature, described);
  if (!verified && has_sensitive_number) {
    // Written by Python, which rounds such numbers to 28 digits and keeps "-0" (spec §14 D5).
    verified = materials.verification_key.verify(
        build_string_to_sign(item, config, lf::NumberDialect::kPython, nullptr).bytes(),
        signature, described);
  }
  if (!verified) {
    throw SignatureError("signature of an item for table \"" + config.context.table_name +
                         "\" does not verify: the item was modified or the keys are wrong");
  }

  if (!materials.decryption_key && config.actions.may_encrypt()) {
    throw DecryptionError("decrypt_item: attributes are configured to be encrypted but the "
                          "materials provider gave no decryption key");
  }
  bool sym_mode_checked = false;
  std::optional<lf::AttributeCipher> cipher;
  Item out;
  ActionCursor actions(config);
  for (auto& [name, value] : item) {
    if (is_reserved(name)) continue;
    if (actions.next(name) != CryptoAction::kEncryptAndSign) {
      if constexpr (kMovable) {
        out.emplace_hint(out.end(), name, std::move(value));
      } else {
        out.emplace_hint(out.end(), name, value);
      }
      continue;
    }
    if (!sym_mode_checked) {
      // The description is not signed: accept only the one mode either library writes, so
      // nobody can make us decrypt with a mode of their choosing (spec §9).
      const auto mode = context.material_description.find(std::string(lf::kSymModeKey));
      if (mode == context.material_description.end()) {
        throw DecryptionError("item for table \"" + config.context.table_name +
                              "\" has encrypted attributes but no amzn-ddb-map-sym-mode");
      }
      if (mode->second != lf::kSymModeCbc) {
        throw DecryptionError("item for table \"" + config.context.table_name +
                              "\" names an unsupported attribute cipher mode (only " +
                              std::string(lf::kSymModeCbc) + " is accepted)");
      }
      sym_mode_checked = true;
      cipher.emplace(*materials.decryption_key);
    }
    if (!value.is(AttributeValue::Type::kB)) {
      throw DecryptionError(where(name, config) + " should be encrypted but is not of type B");
    }
    try {
      out.emplace_hint(out.end(), name, cipher->decrypt(value.as_b()));
    } catch (const FormatError&) {
      throw DecryptionError(where(name, config) +
                            ": decrypted bytes are not a valid serialized attribute");
    } catch (const DecryptionError&) {
      throw DecryptionError(where(name, config) + ": decryption failed");
    }
  }
  return out;
}

}  // namespace

Item encrypt_item(const Item& item, const CryptoConfig& config) {
  return encrypt_impl(item, config);
}
Item encrypt_item(Item&& item, const CryptoConfig& config) {
  return encrypt_impl(std::move(item), config);
}
Item decrypt_item(const Item& item, const CryptoConfig& config) {
  return decrypt_impl(item, config);
}
Item decrypt_item(Item&& item, const CryptoConfig& config) {
  return decrypt_impl(std::move(item), config);
}

std::string encrypt_item_json(std::string_view item_json, const CryptoConfig& config) {
  return to_json(encrypt_item(parse_item_json(item_json), config));
}
std::string decrypt_item_json(std::string_view item_json, const CryptoConfig& config) {
  return to_json(decrypt_item(parse_item_json(item_json), config));
}

}  // namespace ddbcrypt
