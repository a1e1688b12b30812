// Which requests the encrypted client refuses, and why (see encrypted_client.h): expressions
// that use encrypted attributes, updates that change signed or encrypted attributes.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "client/expression.h"
#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/encryptor/item_encryptor.h"

namespace ddbcrypt::internal {

// Names the request in messages: `Query on table "orders"`.
struct RequestSite {
  std::string_view operation;
  std::string_view table;
  std::string describe() const;
};

bool is_reserved_attribute(std::string_view name) noexcept;

// The action the encryptor applies to `name` under `config` (primary keys never encrypted).
CryptoAction effective_action(const CryptoConfig& config, std::string_view name);

// Parses a condition, filter or key condition expression (when set) and refuses any use of an
// encrypted attribute other than attribute_exists / attribute_not_exists of the whole
// attribute. Returns the parse (empty when unset). ConfigError otherwise.
ParsedExpression check_condition_expression(const RequestSite& site, std::string_view member,
                                            const std::optional<std::string>& expression,
                                            const aws::ExpressionAttributeNames& names,
                                            const CryptoConfig& config);

// The legacy forms (Expected, QueryFilter, ScanFilter, KeyConditions): refuses conditions on
// encrypted attributes, except Exists / NULL / NOT_NULL tests, which ciphertext answers right.
void check_legacy_conditions(const RequestSite& site, std::string_view member,
                             const std::map<std::string, aws::Condition>& conditions,
                             const CryptoConfig& config);
void check_legacy_expected(const RequestSite& site,
                           const std::map<std::string, aws::ExpectedAttributeValue>& expected,
                           const CryptoConfig& config);

// Refuses an UpdateExpression / AttributeUpdates that changes a signed, encrypted or reserved
// attribute, or reads an encrypted one. Returns the parse of the expression.
ParsedExpression check_update(const RequestSite& site,
                              const std::optional<std::string>& update_expression,
                              const aws::ExpressionAttributeNames& names,
                              const std::map<std::string, aws::AttributeValueUpdate>& legacy,
                              const CryptoConfig& config);

// The condition that keeps a pass-through update from creating an unsigned item: the
// signature attribute must exist. Adds it to the request's condition (expression or legacy
// Expected form: `legacy_form` when the request uses AttributeUpdates or Expected, which
// DynamoDB does not let mix with expressions) with a placeholder not already taken.
// ConfigError for a legacy Expected joined with OR, which the guard cannot be added to.
void require_signed_item(const RequestSite& site, std::optional<std::string>& condition_expression,
                         aws::ExpressionAttributeNames& names,
                         std::map<std::string, aws::ExpectedAttributeValue>& expected,
                         const std::optional<aws::ConditionalOperator>& conditional_operator,
                         bool legacy_form);

// A placeholder "#<stem><n>" that is not a key of `names`.
std::string free_placeholder(const aws::ExpressionAttributeNames& names, std::string_view stem);
std::string free_value_placeholder(const aws::ExpressionAttributeValues& values,
                                   std::string_view stem);

}  // namespace ddbcrypt::internal
