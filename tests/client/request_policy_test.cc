#include "client/request_policy.h"

#include <gtest/gtest.h>

#include <string>

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

CryptoConfig config() {
  return CryptoConfig{
      .provider = nullptr,
      .context = {.table_name = "orders", .partition_key_name = "pk",
                  .sort_key_name = std::string("sk")},
      .actions = AttributeActions::create(CryptoAction::kEncryptAndSign,
                                          {{"email", CryptoAction::kSignOnly},
                                           {"visits", CryptoAction::kDoNothing},
                                           {"note", CryptoAction::kDoNothing}}),
  };
}

const RequestSite kQuery{"Query", "orders"};
const RequestSite kUpdate{"UpdateItem", "orders"};

std::string refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

void expect_contains(const std::string& text, std::string_view part) {
  EXPECT_NE(text.find(part), std::string::npos) << "\"" << part << "\" not in: " << text;
}

TEST(ConditionPolicy, RefusesEncryptedAttributesWithAClearMessage) {
  const std::string message = refusal([] {
    (void)check_condition_expression(kQuery, "FilterExpression", "#e = :v AND #s = :w",
                                     {{"#e", "email"}, {"#s", "ssn"}}, config());
  });
  expect_contains(message, "Query on table \"orders\"");
  expect_contains(message, "FilterExpression uses attribute \"ssn\"");
  expect_contains(message, "encrypted (ENCRYPT_AND_SIGN)");
  expect_contains(message, "ciphertext");
  EXPECT_EQ(message.find(":w"), std::string::npos);

  // Nested paths and functions on encrypted attributes are refused too.
  for (const char* bad : {"size(ssn) > :n", "begins_with(ssn, :p)", "contains(doc.tags, :t)",
                          "attribute_type(ssn, :t)", "attribute_exists(doc.x)"}) {
    EXPECT_THROW((void)check_condition_expression(kQuery, "FilterExpression", bad, {}, config()),
                 ConfigError)
        << bad;
  }
}

TEST(ConditionPolicy, AllowsSignedPlaintextAndExistenceTests) {
  for (const char* ok : {"email = :v", "pk = :p AND begins_with(sk, :s)",
                         "attribute_exists(ssn)", "attribute_not_exists(ssn) OR visits > :n",
                         "size(note) < :n"}) {
    EXPECT_NO_THROW(
        (void)check_condition_expression(kQuery, "ConditionExpression", ok, {}, config()))
        << ok;
  }
  // Nothing is refused when nothing is protected.
  CryptoConfig noop = config();
  noop.actions = AttributeActions::create(CryptoAction::kDoNothing);
  EXPECT_NO_THROW(
      (void)check_condition_expression(kQuery, "FilterExpression", "ssn = :v", {}, noop));
}

TEST(ConditionPolicy, LegacyForms) {
  const std::map<std::string, aws::Condition> on_secret{
      {"ssn", aws::Condition{.comparison_operator = aws::ComparisonOperator::kEq,
                             .attribute_value_list = {AttributeValue::S("x")}}}};
  expect_contains(refusal([&] { check_legacy_conditions(kQuery, "QueryFilter", on_secret, config()); }),
                  "QueryFilter uses attribute \"ssn\"");
  EXPECT_NO_THROW(check_legacy_conditions(
      kQuery, "QueryFilter",
      {{"ssn", aws::Condition{.comparison_operator = aws::ComparisonOperator::kNotNull}}},
      config()));
  EXPECT_NO_THROW(check_legacy_expected(
      kUpdate, {{"ssn", aws::ExpectedAttributeValue{.exists = false}}}, config()));
  EXPECT_THROW(check_legacy_expected(
                   kUpdate, {{"ssn", aws::ExpectedAttributeValue{.value = AttributeValue::S("x")}}},
                   config()),
               ConfigError);
}

TEST(UpdatePolicy, RefusesChangesToProtectedAttributes) {
  const std::string signed_message = refusal([] {
    (void)check_update(kUpdate, "SET #e = :v", {{"#e", "email"}}, {}, config());
  });
  expect_contains(signed_message, "UpdateItem on table \"orders\"");
  expect_contains(signed_message, "sets attribute \"email\", which is signed (SIGN_ONLY)");
  expect_contains(signed_message, "safe_update_item");

  expect_contains(refusal([] { (void)check_update(kUpdate, "REMOVE ssn", {}, {}, config()); }),
                  "removes attribute \"ssn\", which is encrypted (ENCRYPT_AND_SIGN)");
  expect_contains(refusal([] { (void)check_update(kUpdate, "ADD brand_new :n", {}, {}, config()); }),
                  "adds to attribute \"brand_new\"");
  expect_contains(refusal([] { (void)check_update(kUpdate, "DELETE doc.tags :t", {}, {}, config()); }),
                  "deletes from attribute \"doc\"");
  expect_contains(refusal([] {
                    (void)check_update(kUpdate, "SET #s = :v", {{"#s", "*amzn-ddb-map-sig*"}}, {},
                                       config());
                  }),
                  "encryption metadata");
  // Reading an encrypted attribute into a DO_NOTHING one would copy ciphertext.
  expect_contains(refusal([] { (void)check_update(kUpdate, "SET note = ssn", {}, {}, config()); }),
                  "UpdateExpression uses attribute \"ssn\"");
  // Legacy AttributeUpdates.
  expect_contains(refusal([] {
                    (void)check_update(kUpdate, std::nullopt, {},
                                       {{"email", aws::AttributeValueUpdate{}}}, config());
                  }),
                  "AttributeUpdates changes attribute \"email\"");
}

TEST(UpdatePolicy, PassesUpdatesOfDoNothingAttributes) {
  EXPECT_NO_THROW((void)check_update(
      kUpdate, "SET visits = if_not_exists(visits, :zero) + :one, note = email REMOVE #n",
      {{"#n", "note"}}, {{"visits", aws::AttributeValueUpdate{}}}, config()));
}

TEST(SignedItemGuard, AddedToExpressionOrLegacyForm) {
  std::optional<std::string> condition = "visits < :max";
  aws::ExpressionAttributeNames names{{"#ddbcrypt_sig0", "taken"}};
  std::map<std::string, aws::ExpectedAttributeValue> expected;
  require_signed_item(kUpdate, condition, names, expected, std::nullopt, false);
  EXPECT_EQ(*condition, "(visits < :max) AND attribute_exists(#ddbcrypt_sig1)");
  EXPECT_EQ(names.at("#ddbcrypt_sig1"), "*amzn-ddb-map-sig*");
  EXPECT_TRUE(expected.empty());

  std::optional<std::string> none;
  require_signed_item(kUpdate, none, names, expected, std::nullopt, true);
  EXPECT_FALSE(none);
  EXPECT_EQ(expected.at("*amzn-ddb-map-sig*").comparison_operator,
            std::optional(aws::ComparisonOperator::kNotNull));

  std::map<std::string, aws::ExpectedAttributeValue> or_expected{
      {"a", aws::ExpectedAttributeValue{.exists = false}}};
  EXPECT_THROW(require_signed_item(kUpdate, none, names, or_expected, aws::ConditionalOperator::kOr,
                                   true),
               ConfigError);
}

}  // namespace
}  // namespace ddbcrypt::internal
