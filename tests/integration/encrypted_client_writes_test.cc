// EncryptedClient transactions and updates against DynamoDB Local, for each kind of materials
// provider: encrypted TransactWriteItems / TransactGetItems, a cancelled transaction, refused
// and pass-through UpdateItem, and the safe update detecting a concurrent writer.
#include <string>
#include <thread>
#include <vector>

#include "integration/encrypted_client_fixture.h"

namespace ddbcrypt::testing {
namespace {

using Writes = EncryptedTableTest;

TEST_P(Writes, TransactionsAreEncryptedAndDecrypted) {
  (void)client_->put_item({.table_name = table_, .item = fixture_row("tx", 0)});
  (void)client_->transact_write_items({.transact_items = {
      aws::TransactPut{.table_name = table_, .item = fixture_row("tx", 1),
                       .condition_expression = "attribute_not_exists(pk)"},
      aws::TransactPut{.table_name = table_, .item = fixture_row("tx", 2)},
      aws::TransactConditionCheck{.table_name = table_, .key = fixture_key("tx", 0),
                                  .condition_expression = "email = :e AND attribute_exists(ssn)",
                                  .expression_attribute_values = {
                                      {":e", fixture_row("tx", 0).at("email")}}},
  }});
  for (int i : {1, 2}) {
    const Item raw = stored(fixture_key("tx", i));
    EXPECT_FALSE(contains_secret_text(raw)) << to_json(raw);
    EXPECT_TRUE(raw.at("ssn").is(AttributeValue::Type::kB));
  }
  const aws::TransactGetItemsResult got = client_->transact_get_items({.transact_items = {
      {.table_name = table_, .key = fixture_key("tx", 1)},
      {.table_name = table_, .key = fixture_key("tx", 2), .projection_expression = "#s, visits",
       .expression_attribute_names = {{"#s", "ssn"}}},
      {.table_name = table_, .key = fixture_key("tx", 9)},
  }});
  ASSERT_EQ(got.responses.size(), 3u);
  ASSERT_TRUE(got.responses[0]);
  EXPECT_TRUE(equivalent(*got.responses[0], fixture_row("tx", 1)));
  ASSERT_TRUE(got.responses[1]);
  EXPECT_EQ(*got.responses[1], (Item{{"ssn", fixture_row("tx", 2).at("ssn")},
                                     {"visits", fixture_row("tx", 2).at("visits")}}));
  EXPECT_FALSE(got.responses[2]);

  // A transaction that deletes one item and updates a DO_NOTHING counter of another.
  (void)client_->transact_write_items({.transact_items = {
      aws::TransactDelete{.table_name = table_, .key = fixture_key("tx", 2)},
      aws::TransactUpdate{.table_name = table_, .key = fixture_key("tx", 1),
                          .update_expression = "ADD visits :one",
                          .expression_attribute_values = {{":one", AttributeValue::N(1)}}},
  }});
  const auto after = client_->get_item({.table_name = table_, .key = fixture_key("tx", 1),
                                        .consistent_read = true});
  ASSERT_TRUE(after.item);
  EXPECT_EQ(after.item->at("visits").as_int64(), 11);
  EXPECT_FALSE(raw_->get_item({.table_name = table_, .key = fixture_key("tx", 2),
                               .consistent_read = true})
                   .item);
}

TEST_P(Writes, CancelledTransactionChangesNothingAndReportsPlaintext) {
  (void)client_->put_item({.table_name = table_, .item = fixture_row("cx", 1)});
  const Item before = stored(fixture_key("cx", 1));
  try {
    (void)client_->transact_write_items({.transact_items = {
        aws::TransactPut{.table_name = table_, .item = fixture_row("cx", 2)},
        aws::TransactPut{.table_name = table_, .item = fixture_row("cx", 1),
                         .condition_expression = "attribute_not_exists(pk)",
                         .return_values_on_condition_check_failure =
                             aws::ReturnValuesOnConditionCheckFailure::kAllOld},
    }});
    FAIL() << "the transaction was not cancelled";
  } catch (const DynamoDbError& e) {
    ASSERT_TRUE(e.is_transaction_canceled()) << e.what();
    const auto& reasons = aws::cancellation_reasons(e);
    ASSERT_EQ(reasons.size(), 2u);
    EXPECT_EQ(reasons[0].code, "None");
    EXPECT_EQ(reasons[1].code, "ConditionalCheckFailed");
    ASSERT_TRUE(reasons[1].item);
    EXPECT_TRUE(equivalent(*reasons[1].item, fixture_row("cx", 1)));  // decrypted
  }
  EXPECT_FALSE(raw_->get_item({.table_name = table_, .key = fixture_key("cx", 2),
                               .consistent_read = true})
                   .item);
  EXPECT_EQ(stored(fixture_key("cx", 1)), before);

  // Refused before anything is sent: an update of a signed attribute in a transaction.
  EXPECT_THROW((void)client_->transact_write_items({.transact_items = {
                   aws::TransactUpdate{.table_name = table_, .key = fixture_key("cx", 1),
                                       .update_expression = "SET email = :e",
                                       .expression_attribute_values = {
                                           {":e", AttributeValue::S("x@example.com")}}},
               }}),
               ConfigError);
  EXPECT_EQ(stored(fixture_key("cx", 1)), before);
}

TEST_P(Writes, UpdatesOfProtectedAttributesAreRefusedOthersPassThrough) {
  (void)client_->put_item({.table_name = table_, .item = fixture_row("u", 1)});
  const Item before = stored(fixture_key("u", 1));
  for (const char* expression : {"SET ssn = :v", "SET email = :v", "REMOVE profile.city",
                                 "SET brand_new = :v", "SET note = ssn"}) {
    try {
      (void)client_->update_item({.table_name = table_,
                                  .key = fixture_key("u", 1),
                                  .update_expression = expression,
                                  .expression_attribute_values =
                                      std::string(expression).find(":v") != std::string::npos
                                          ? aws::ExpressionAttributeValues{{":v", AttributeValue::S("x")}}
                                          : aws::ExpressionAttributeValues{}});
      ADD_FAILURE() << "update passed: " << expression;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("UpdateItem on table \"" + table_ + "\""),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(stored(fixture_key("u", 1)), before);

  // DO_NOTHING attributes update in place; the item still verifies; ALL_NEW is decrypted.
  const aws::UpdateItemResult updated = client_->update_item(
      {.table_name = table_,
       .key = fixture_key("u", 1),
       .update_expression = "SET note = :n ADD visits :one",
       .expression_attribute_values = {{":n", AttributeValue::S("hello")},
                                       {":one", AttributeValue::N(5)}},
       .return_values = aws::ReturnValue::kAllNew});
  ASSERT_TRUE(updated.attributes);
  Item want = fixture_row("u", 1);
  want["note"] = AttributeValue::S("hello");
  want["visits"] = AttributeValue::N(15);
  EXPECT_TRUE(equivalent(*updated.attributes, want));
  const auto got = client_->get_item({.table_name = table_, .key = fixture_key("u", 1),
                                      .consistent_read = true});
  ASSERT_TRUE(got.item);
  EXPECT_TRUE(equivalent(*got.item, want));

  // An update of a missing item does not create an unsigned one.
  try {
    (void)client_->update_item({.table_name = table_,
                                .key = fixture_key("u", 2),
                                .update_expression = "ADD visits :one",
                                .expression_attribute_values = {{":one", AttributeValue::N(1)}}});
    FAIL() << "an update created an item without a signature";
  } catch (const DynamoDbError& e) {
    EXPECT_TRUE(e.is_conditional_check_failed()) << e.what();
  }
  EXPECT_FALSE(raw_->get_item({.table_name = table_, .key = fixture_key("u", 2),
                               .consistent_read = true})
                   .item);
}

TEST_P(Writes, SafeUpdateChangesEncryptedAttributesAndDetectsAConcurrentWriter) {
  (void)client_->put_item({.table_name = table_, .item = fixture_row("s", 1)});

  const auto written = client_->safe_update_item(table_, fixture_key("s", 1), [](Item& item) {
    item["ssn"] = AttributeValue::S("SSN-SECRET-new");
    item["email"] = AttributeValue::S("new@example.com");
    item.erase("profile");
  });
  ASSERT_TRUE(written);
  Item want = fixture_row("s", 1);
  want["ssn"] = AttributeValue::S("SSN-SECRET-new");
  want["email"] = AttributeValue::S("new@example.com");
  want.erase("profile");
  EXPECT_TRUE(equivalent(*written, want));
  EXPECT_FALSE(contains_secret_text(stored(fixture_key("s", 1))));
  auto got = client_->get_item({.table_name = table_, .key = fixture_key("s", 1),
                                .consistent_read = true});
  EXPECT_TRUE(equivalent(*got.item, want));

  // A second client, another process in effect, writes between the read and the write.
  auto other = EncryptedClient::create(raw_, {.provider = provider_, .actions = fixture_actions()});
  int rounds = 0;
  auto change = [&](Item& item) {
    ++rounds;
    item["visits"] = AttributeValue::N(1000 + rounds);
    if (rounds == 1) {
      Item theirs = want;
      theirs["ssn"] = AttributeValue::S("SSN-SECRET-theirs");
      (void)other->put_item({.table_name = table_, .item = theirs});
    }
  };
  try {
    (void)client_->safe_update_item(table_, fixture_key("s", 1), change);
    FAIL() << "the concurrent writer was overwritten";
  } catch (const DynamoDbError& e) {
    EXPECT_TRUE(e.is_conditional_check_failed());
    EXPECT_NE(std::string(e.what()).find("another writer changed or deleted the item"),
              std::string::npos)
        << e.what();
  }
  got = client_->get_item({.table_name = table_, .key = fixture_key("s", 1),
                           .consistent_read = true});
  EXPECT_EQ(got.item->at("ssn").as_s(), "SSN-SECRET-theirs");
  EXPECT_EQ(got.item->at("visits"), want.at("visits"));

  // Allowed a second round, the change lands on top of the other writer's item.
  rounds = 0;
  const auto retried = client_->safe_update_item(table_, fixture_key("s", 1), change,
                                                 {.max_attempts = 3});
  ASSERT_TRUE(retried);
  EXPECT_EQ(rounds, 2);
  got = client_->get_item({.table_name = table_, .key = fixture_key("s", 1),
                           .consistent_read = true});
  EXPECT_EQ(got.item->at("ssn").as_s(), "SSN-SECRET-theirs");
  EXPECT_EQ(got.item->at("visits").as_int64(), 1002);

  // Many writers at once: every increment lands exactly once.
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < 3; ++i) {
        (void)client_->safe_update_item(
            table_, fixture_key("s", 1),
            [](Item& item) { item["visits"] = AttributeValue::N(item.at("visits").as_int64() + 1); },
            {.max_attempts = 50, .retry_delay = std::chrono::milliseconds(5)});
      }
    });
  }
  for (auto& w : writers) w.join();
  got = client_->get_item({.table_name = table_, .key = fixture_key("s", 1),
                           .consistent_read = true});
  EXPECT_EQ(got.item->at("visits").as_int64(), 1002 + 12);

  EXPECT_FALSE(client_->safe_update_item(table_, fixture_key("s", 99), [](Item&) {}));
}

INSTANTIATE_TEST_SUITE_P(Providers, Writes, ::testing::ValuesIn(all_provider_kinds()),
                         provider_kind_name);

}  // namespace
}  // namespace ddbcrypt::testing
