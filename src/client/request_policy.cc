#include "client/request_policy.h"

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

const char* action_phrase(CryptoAction action) {
  return action == CryptoAction::kEncryptAndSign ? "encrypted (ENCRYPT_AND_SIGN)"
                                                 : "signed (SIGN_ONLY)";
}

[[noreturn]] void refuse_encrypted_use(const RequestSite& site, std::string_view member,
                                       const std::string& attribute) {
  throw ConfigError(site.describe() + ": " + std::string(member) + " uses attribute \"" +
                    attribute +
                    "\", which is encrypted (ENCRYPT_AND_SIGN): DynamoDB only stores its "
                    "ciphertext, so the expression cannot test its value. Use signed or "
                    "unprotected attributes in expressions, or test the value after reading");
}

const char* verb_of(PathUse use) {
  switch (use) {
    case PathUse::kSet:
      return "sets";
    case PathUse::kRemove:
      return "removes";
    case PathUse::kAdd:
      return "adds to";
    case PathUse::kDelete:
      return "deletes from";
    default:
      return "reads";
  }
}

[[noreturn]] void refuse_change(const RequestSite& site, std::string_view member,
                                std::string_view verb, const std::string& attribute,
                                const CryptoConfig& config) {
  if (is_reserved_attribute(attribute)) {
    throw ConfigError(site.describe() + ": " + std::string(member) + " " + std::string(verb) +
                      " \"" + attribute +
                      "\", which holds the item's encryption metadata; it can only be written "
                      "by encrypting the whole item");
  }
  throw ConfigError(site.describe() + ": " + std::string(member) + " " + std::string(verb) +
                    " attribute \"" + attribute + "\", which is " +
                    action_phrase(effective_action(config, attribute)) +
                    "; changing it in place would break the item's signature. Use "
                    "safe_update_item (read, decrypt, change, re-encrypt, conditional write), "
                    "or configure the attribute as DO_NOTHING");
}

}  // namespace

std::string RequestSite::describe() const {
  return std::string(operation) + " on table \"" + std::string(table) + "\"";
}

bool is_reserved_attribute(std::string_view name) noexcept {
  return name == kMaterialDescriptionAttribute || name == kSignatureAttribute;
}

CryptoAction effective_action(const CryptoConfig& config, std::string_view name) {
  CryptoAction action = config.actions.action(name);
  if (action == CryptoAction::kEncryptAndSign &&
      ((config.context.partition_key_name && name == *config.context.partition_key_name) ||
       (config.context.sort_key_name && name == *config.context.sort_key_name))) {
    action = CryptoAction::kSignOnly;
  }
  return action;
}

ParsedExpression check_condition_expression(const RequestSite& site, std::string_view member,
                                            const std::optional<std::string>& expression,
                                            const aws::ExpressionAttributeNames& names,
                                            const CryptoConfig& config) {
  if (!expression) return {};
  ParsedExpression parsed = parse_condition_expression(*expression, names, member);
  if (config.actions.is_noop()) return parsed;
  for (const PathReference& ref : parsed.paths) {
    if (effective_action(config, ref.path.attribute()) != CryptoAction::kEncryptAndSign) continue;
    // Whether an attribute exists is the same for its ciphertext; anything about its value,
    // type, size or contents is not.
    if (ref.use == PathUse::kExistence && ref.path.is_top_level()) continue;
    refuse_encrypted_use(site, member, to_display(ref.path));
  }
  return parsed;
}

void check_legacy_conditions(const RequestSite& site, std::string_view member,
                             const std::map<std::string, aws::Condition>& conditions,
                             const CryptoConfig& config) {
  if (config.actions.is_noop()) return;
  for (const auto& [name, condition] : conditions) {
    if (effective_action(config, name) != CryptoAction::kEncryptAndSign) continue;
    if (condition.comparison_operator == aws::ComparisonOperator::kNull ||
        condition.comparison_operator == aws::ComparisonOperator::kNotNull) {
      continue;
    }
    refuse_encrypted_use(site, member, name);
  }
}

void check_legacy_expected(const RequestSite& site,
                           const std::map<std::string, aws::ExpectedAttributeValue>& expected,
                           const CryptoConfig& config) {
  if (config.actions.is_noop()) return;
  for (const auto& [name, e] : expected) {
    if (effective_action(config, name) != CryptoAction::kEncryptAndSign) continue;
    const bool existence_only =
        !e.value && e.attribute_value_list.empty() &&
        (!e.comparison_operator || *e.comparison_operator == aws::ComparisonOperator::kNull ||
         *e.comparison_operator == aws::ComparisonOperator::kNotNull);
    if (!existence_only) refuse_encrypted_use(site, "Expected", name);
  }
}

ParsedExpression check_update(const RequestSite& site,
                              const std::optional<std::string>& update_expression,
                              const aws::ExpressionAttributeNames& names,
                              const std::map<std::string, aws::AttributeValueUpdate>& legacy,
                              const CryptoConfig& config) {
  ParsedExpression parsed;
  if (update_expression) {
    parsed = parse_update_expression(*update_expression, names, "UpdateExpression");
  }
  if (config.actions.is_noop()) return parsed;
  for (const PathReference& ref : parsed.paths) {
    const std::string& attribute = ref.path.attribute();
    const bool reserved = is_reserved_attribute(attribute);
    const CryptoAction action = effective_action(config, attribute);
    if (ref.use == PathUse::kRead || ref.use == PathUse::kExistence) {
      if (action == CryptoAction::kEncryptAndSign && !reserved) {
        refuse_encrypted_use(site, "UpdateExpression", to_display(ref.path));
      }
      continue;
    }
    if (reserved || action != CryptoAction::kDoNothing) {
      refuse_change(site, "UpdateExpression", verb_of(ref.use), attribute, config);
    }
  }
  for (const auto& [name, update] : legacy) {
    if (is_reserved_attribute(name) || effective_action(config, name) != CryptoAction::kDoNothing) {
      refuse_change(site, "AttributeUpdates", "changes", name, config);
    }
  }
  return parsed;
}

std::string free_placeholder(const aws::ExpressionAttributeNames& names, std::string_view stem) {
  for (std::size_t n = 0;; ++n) {
    std::string candidate = "#" + std::string(stem) + std::to_string(n);
    if (names.count(candidate) == 0) return candidate;
  }
}

std::string free_value_placeholder(const aws::ExpressionAttributeValues& values,
                                   std::string_view stem) {
  for (std::size_t n = 0;; ++n) {
    std::string candidate = ":" + std::string(stem) + std::to_string(n);
    if (values.count(candidate) == 0) return candidate;
  }
}

void require_signed_item(const RequestSite& site, std::optional<std::string>& condition_expression,
                         aws::ExpressionAttributeNames& names,
                         std::map<std::string, aws::ExpectedAttributeValue>& expected,
                         const std::optional<aws::ConditionalOperator>& conditional_operator,
                         bool legacy_form) {
  if (!condition_expression && legacy_form) {
    if (conditional_operator == aws::ConditionalOperator::kOr && !expected.empty()) {
      throw ConfigError(site.describe() +
                        ": a legacy Expected condition joined with OR cannot carry the check "
                        "that the item is signed; use a ConditionExpression instead");
    }
    expected.insert_or_assign(
        std::string(kSignatureAttribute),
        aws::ExpectedAttributeValue{.comparison_operator = aws::ComparisonOperator::kNotNull});
    return;
  }
  const std::string placeholder = free_placeholder(names, "ddbcrypt_sig");
  names.emplace(placeholder, std::string(kSignatureAttribute));
  const std::string guard = "attribute_exists(" + placeholder + ")";
  condition_expression =
      condition_expression ? "(" + *condition_expression + ") AND " + guard : guard;
}

}  // namespace ddbcrypt::internal
