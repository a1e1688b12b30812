// EncryptedClient against DynamoDB Local, for each kind of materials provider: single-item
// operations, Query and Scan over several pages, projections (table, global and local
// indexes), filters, and what is stored.
#include <set>
#include <string>
#include <vector>

#include "integration/encrypted_client_fixture.h"

namespace ddbcrypt::testing {
namespace {

using ItemOps = EncryptedTableTest;

TEST_P(ItemOps, PutGetDeleteStoreNoPlaintext) {
  const Item plain = fixture_row("a", 1);
  (void)client_->put_item({.table_name = table_, .item = plain});

  const Item raw = stored(fixture_key("a", 1));
  EXPECT_FALSE(contains_secret_text(raw)) << to_json(raw);
  EXPECT_TRUE(raw.at("ssn").is(AttributeValue::Type::kB));
  EXPECT_TRUE(raw.at("profile").is(AttributeValue::Type::kB));
  EXPECT_EQ(raw.at("email"), plain.at("email"));    // signed, in clear
  EXPECT_EQ(raw.at("visits"), plain.at("visits"));  // left alone
  EXPECT_EQ(raw.at("pk"), plain.at("pk"));          // keys are never encrypted
  EXPECT_EQ(raw.count(std::string(kSignatureAttribute)), 1u);
  EXPECT_EQ(raw.count(std::string(kMaterialDescriptionAttribute)), 1u);

  const aws::GetItemResult got =
      client_->get_item({.table_name = table_, .key = fixture_key("a", 1), .consistent_read = true});
  ASSERT_TRUE(got.item);
  EXPECT_TRUE(equivalent(*got.item, plain));
  EXPECT_FALSE(client_->get_item({.table_name = table_, .key = fixture_key("a", 2)}).item);

  // ReturnValues ALL_OLD comes back decrypted, from PutItem and DeleteItem.
  Item changed = plain;
  changed["ssn"] = AttributeValue::S("SSN-SECRET-changed");
  const aws::PutItemResult replaced = client_->put_item(
      {.table_name = table_, .item = changed, .return_values = aws::ReturnValue::kAllOld});
  ASSERT_TRUE(replaced.attributes);
  EXPECT_TRUE(equivalent(*replaced.attributes, plain));
  const aws::DeleteItemResult deleted =
      client_->delete_item({.table_name = table_, .key = fixture_key("a", 1),
                            .return_values = aws::ReturnValue::kAllOld});
  ASSERT_TRUE(deleted.attributes);
  EXPECT_TRUE(equivalent(*deleted.attributes, changed));
  EXPECT_FALSE(raw_->get_item({.table_name = table_, .key = fixture_key("a", 1),
                               .consistent_read = true})
                   .item);
}

TEST_P(ItemOps, ConditionsOnSignedAttributesWorkAndFailuresReturnPlaintext) {
  const Item plain = fixture_row("c", 1);
  (void)client_->put_item({.table_name = table_, .item = plain,
                           .condition_expression = "attribute_not_exists(pk)"});
  try {
    (void)client_->put_item({.table_name = table_,
                             .item = fixture_row("c", 1),
                             .condition_expression = "#e <> :e AND attribute_exists(ssn)",
                             .expression_attribute_names = {{"#e", "email"}},
                             .expression_attribute_values = {{":e", plain.at("email")}},
                             .return_values_on_condition_check_failure =
                                 aws::ReturnValuesOnConditionCheckFailure::kAllOld});
    FAIL() << "the condition on a signed attribute did not hold the write back";
  } catch (const DynamoDbError& e) {
    ASSERT_TRUE(e.is_conditional_check_failed()) << e.what();
    const auto& old = aws::condition_check_item(e);
    ASSERT_TRUE(old.has_value());
    EXPECT_TRUE(equivalent(*old, plain));  // decrypted, not ciphertext
  }
  // A condition on an encrypted attribute's value is refused before anything is sent.
  EXPECT_THROW((void)client_->delete_item({.table_name = table_,
                                           .key = fixture_key("c", 1),
                                           .condition_expression = "ssn = :s",
                                           .expression_attribute_values =
                                               {{":s", plain.at("ssn")}}}),
               ConfigError);
  EXPECT_TRUE(stored(fixture_key("c", 1)).count("ssn"));
}

TEST_P(ItemOps, TamperedItemIsNeverReturned) {
  (void)client_->put_item({.table_name = table_, .item = fixture_row("t", 1)});
  Item raw = stored(fixture_key("t", 1));
  raw["email"] = AttributeValue::S("attacker@example.com");
  (void)raw_->put_item({.table_name = table_, .item = raw});
  EXPECT_THROW((void)client_->get_item({.table_name = table_, .key = fixture_key("t", 1)}),
               SignatureError);
  // An item written without encryption is refused too.
  (void)raw_->put_item({.table_name = table_, .item = fixture_row("t", 2)});
  EXPECT_THROW((void)client_->get_item({.table_name = table_, .key = fixture_key("t", 2)}),
               DecryptionError);
}

TEST_P(ItemOps, ScanAndQueryDecryptPageByPage) {
  constexpr int kItems = 45;
  aws::BatchWriteItemRequest writes;
  for (int i = 0; i < kItems; ++i) {
    writes.request_items[table_].push_back(aws::PutRequest{fixture_row(i < 30 ? "q" : "r", i)});
  }
  (void)client_->batch_write_item(writes);

  // Scan: pages of 7 through aws::ScanPager over the encrypted client.
  aws::ScanPager scan(*client_, {.table_name = table_, .limit = 7, .consistent_read = true});
  int pages = 0;
  std::set<std::int64_t> seen;
  while (auto page = scan.next_page()) {
    ++pages;
    EXPECT_LE(page->items.size(), 7u);
    for (const Item& item : page->items) {
      const int sk = static_cast<int>(item.at("sk").as_int64());
      EXPECT_TRUE(equivalent(item, fixture_row(item.at("pk").as_s(), sk)));
      seen.insert(sk);
    }
  }
  EXPECT_GE(pages, kItems / 7);
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kItems));

  // Query one partition in descending order with a filter on a signed attribute.
  aws::QueryPager query(*client_, {.table_name = table_,
                                   .key_condition_expression = "pk = :p AND sk >= :from",
                                   .filter_expression = "g = :g",
                                   .expression_attribute_values = {{":p", AttributeValue::S("q")},
                                                                   {":from", AttributeValue::N(10)},
                                                                   {":g", AttributeValue::S("odd")}},
                                   .limit = 4,
                                   .scan_index_forward = false});
  std::vector<std::int64_t> order;
  while (auto page = query.next_page()) {
    for (const Item& item : page->items) {
      EXPECT_EQ(item.at("ssn"), fixture_row("q", static_cast<int>(item.at("sk").as_int64())).at("ssn"));
      order.push_back(item.at("sk").as_int64());
    }
  }
  std::vector<std::int64_t> want;
  for (int i = 29; i >= 10; --i) {
    if (i % 2 == 1) want.push_back(i);
  }
  EXPECT_EQ(order, want);

  // A filter on an encrypted attribute is refused; so is a key condition on one.
  EXPECT_THROW((void)client_->scan({.table_name = table_,
                                    .filter_expression = "contains(profile, :c)",
                                    .expression_attribute_values =
                                        {{":c", AttributeValue::S("CITY")}}}),
               ConfigError);
  // Select COUNT needs no decryption.
  const aws::ScanResult count =
      client_->scan({.table_name = table_, .select = aws::Select::kCount, .consistent_read = true});
  EXPECT_EQ(count.count, kItems);
}

TEST_P(ItemOps, ProjectionsReturnOnlyWhatWasAsked) {
  const Item plain = fixture_row("p", 4);
  (void)client_->put_item({.table_name = table_, .item = plain});

  const aws::GetItemResult got = client_->get_item({.table_name = table_,
                                                    .key = fixture_key("p", 4),
                                                    .consistent_read = true,
                                                    .projection_expression = "#s, profile.city, visits",
                                                    .expression_attribute_names = {{"#s", "ssn"}}});
  ASSERT_TRUE(got.item);
  const Item want{{"ssn", plain.at("ssn")},
                  {"profile", AttributeValue::M({{"city", plain.at("profile").as_m().at("city")}})},
                  {"visits", plain.at("visits")}};
  EXPECT_EQ(*got.item, want);

  // Legacy AttributesToGet and Select SPECIFIC_ATTRIBUTES on a query.
  const aws::GetItemResult legacy = client_->get_item(
      {.table_name = table_, .key = fixture_key("p", 4), .attributes_to_get = {"email", "note"}});
  ASSERT_TRUE(legacy.item);
  EXPECT_EQ(*legacy.item, (Item{{"email", plain.at("email")}}));
  const aws::QueryResult specific = client_->query(
      {.table_name = table_,
       .key_condition_expression = "pk = :p",
       .projection_expression = "ssn",
       .expression_attribute_values = {{":p", AttributeValue::S("p")}},
       .select = aws::Select::kSpecificAttributes});
  ASSERT_EQ(specific.items.size(), 1u);
  EXPECT_EQ(specific.items[0], (Item{{"ssn", plain.at("ssn")}}));

  // A global index projecting ALL works, with a projection too.
  const aws::QueryResult by_g = client_->query(
      {.table_name = table_,
       .index_name = "by-g",
       .key_condition_expression = "g = :g",
       .projection_expression = "ssn, sk",
       .expression_attribute_values = {{":g", AttributeValue::S("even")}}});
  ASSERT_EQ(by_g.items.size(), 1u);
  EXPECT_EQ(by_g.items[0], (Item{{"ssn", plain.at("ssn")}, {"sk", plain.at("sk")}}));

  // A KEYS_ONLY global index cannot be verified: refused with the reason.
  try {
    (void)client_->query({.table_name = table_,
                          .index_name = "by-g-keys",
                          .key_condition_expression = "g = :g",
                          .expression_attribute_values = {{":g", AttributeValue::S("even")}}});
    FAIL() << "a KEYS_ONLY global index was read";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("global secondary index \"by-g-keys\""),
              std::string::npos)
        << e.what();
  }

  // A KEYS_ONLY local index: the items are read from the table, verified, and cut to what the
  // index projects.
  const aws::QueryResult by_l = client_->query(
      {.table_name = table_,
       .index_name = "by-l",
       .key_condition_expression = "pk = :p AND l = :l",
       .expression_attribute_values = {{":p", AttributeValue::S("p")}, {":l", plain.at("l")}}});
  ASSERT_EQ(by_l.items.size(), 1u);
  EXPECT_EQ(by_l.items[0],
            (Item{{"pk", plain.at("pk")}, {"sk", plain.at("sk")}, {"l", plain.at("l")}}));
}

TEST_P(ItemOps, PerCallCryptoConfigOverridesTheTables) {
  // Another logical table name and other actions for this one call, as the reference allows.
  CryptoConfig custom;
  custom.provider = provider_;
  custom.context.table_name = "logical-name";
  custom.context.partition_key_name = "pk";
  custom.context.sort_key_name = "sk";
  custom.actions =
      AttributeActions::create(CryptoAction::kSignOnly, {{"ssn", CryptoAction::kEncryptAndSign}});
  (void)client_->put_item({.table_name = table_, .item = fixture_row("o", 1)}, custom);
  const Item raw = stored(fixture_key("o", 1));
  EXPECT_TRUE(raw.at("ssn").is(AttributeValue::Type::kB));
  EXPECT_TRUE(raw.at("profile").is(AttributeValue::Type::kM));  // signed only under `custom`
  // The table's own name and actions do not verify it; under Direct KMS the table name is in
  // the data key's encryption context, so KMS already refuses the data key.
  if (GetParam() == ProviderKind::kDirectKms) {
    EXPECT_THROW((void)client_->get_item({.table_name = table_, .key = fixture_key("o", 1)}),
                 KmsError);
  } else {
    EXPECT_THROW((void)client_->get_item({.table_name = table_, .key = fixture_key("o", 1)}),
                 SignatureError);
  }
  const auto got = client_->get_item({.table_name = table_, .key = fixture_key("o", 1)}, custom);
  ASSERT_TRUE(got.item);
  EXPECT_TRUE(equivalent(*got.item, fixture_row("o", 1)));
}

INSTANTIATE_TEST_SUITE_P(Providers, ItemOps, ::testing::ValuesIn(all_provider_kinds()),
                         provider_kind_name);

}  // namespace
}  // namespace ddbcrypt::testing
