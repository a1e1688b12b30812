// CryptoAction names and AttributeActions (spec §3).
#include <string>
#include <utility>

#include "ddbcrypt/encryptor/item_encryptor.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {

std::string_view action_name(CryptoAction action) noexcept {
  switch (action) {
    case CryptoAction::kDoNothing:
      return "nothing";
    case CryptoAction::kSignOnly:
      return "sign";
    case CryptoAction::kEncryptAndSign:
      return "encrypt";
  }
  return "unknown";
}

CryptoAction parse_action(std::string_view name) {
  if (name == "encrypt" || name == "ENCRYPT_AND_SIGN") return CryptoAction::kEncryptAndSign;
  if (name == "sign" || name == "SIGN_ONLY") return CryptoAction::kSignOnly;
  if (name == "nothing" || name == "DO_NOTHING") return CryptoAction::kDoNothing;
  throw ConfigError("unknown attribute action \"" + std::string(name.substr(0, 40)) +
                    "\" (expected encrypt, sign or nothing)");
}

AttributeActions AttributeActions::create(CryptoAction default_action,
                                          std::map<std::string, CryptoAction> overrides) {
  for (const auto& [name, action] : overrides) {
    if (name == kMaterialDescriptionAttribute || name == kSignatureAttribute) {
      throw ConfigError("attribute action configured for the reserved attribute " + name);
    }
    if (action != CryptoAction::kDoNothing && action != CryptoAction::kSignOnly &&
        action != CryptoAction::kEncryptAndSign) {
      throw ConfigError("invalid attribute action for " + name);
    }
  }
  AttributeActions actions;
  actions.default_action_ = default_action;
  actions.overrides_ = std::move(overrides);
  return actions;
}

CryptoAction AttributeActions::action(std::string_view attribute_name) const {
  const auto it = overrides_.find(std::string(attribute_name));
  return it == overrides_.end() ? default_action_ : it->second;
}

AttributeActions AttributeActions::with_primary_keys(
    std::string_view partition_key, const std::optional<std::string>& sort_key) const {
  AttributeActions out = *this;
  auto lower = [&](std::string_view key) {
    const std::string name(key);
    const auto it = out.overrides_.find(name);
    if (it != out.overrides_.end()) {
      if (it->second == CryptoAction::kEncryptAndSign) {
        throw ConfigError("primary key attribute " + name +
                          " is configured to be encrypted; DynamoDB needs key attributes in "
                          "clear (use sign or nothing)");
      }
      return;
    }
    if (out.default_action_ == CryptoAction::kEncryptAndSign) {
      out.overrides_.emplace(name, CryptoAction::kSignOnly);
    }
  };
  lower(partition_key);
  if (sort_key) lower(*sort_key);
  return out;
}

bool AttributeActions::is_noop() const noexcept {
  if (default_action_ != CryptoAction::kDoNothing) return false;
  for (const auto& [name, action] : overrides_) {
    if (action != CryptoAction::kDoNothing) return false;
  }
  return true;
}

bool AttributeActions::may_encrypt() const noexcept {
  if (default_action_ == CryptoAction::kEncryptAndSign) return true;
  for (const auto& [name, action] : overrides_) {
    if (action == CryptoAction::kEncryptAndSign) return true;
  }
  return false;
}

}  // namespace ddbcrypt
