// EncryptedTable against DynamoDB Local, for each kind of materials provider: native values
// and native JSON in and out, item readers over several pages, batches.
#include <set>
#include <string>
#include <vector>

#include "ddbcrypt/client/encrypted_table.h"
#include "ddbcrypt/item/native.h"
#include "integration/encrypted_client_fixture.h"

namespace ddbcrypt::testing {
namespace {

class Table : public EncryptedTableTest {
 protected:
  void SetUp() override {
    EncryptedTableTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    shared_ = EncryptedClient::create(raw_, {.provider = provider_, .actions = fixture_actions()});
    table_handle_ = EncryptedTable::create(shared_, table_);
  }
  std::shared_ptr<const EncryptedClient> shared_;
  std::unique_ptr<EncryptedTable> table_handle_;
};

TEST_P(Table, NativeItemsRoundTrip) {
  const EncryptedTable& t = *table_handle_;
  EXPECT_EQ(t.partition_key(), "pk");
  EXPECT_EQ(t.sort_key(), std::optional<std::string>("sk"));
  const Item user{{"pk", to_attribute("user#1")},
                  {"sk", to_attribute(1)},
                  {"ssn", to_attribute("SSN-SECRET-1")},
                  {"tags", to_attribute(std::set<std::string>{"TAG-SECRET-x", "y"})},
                  {"scores", to_attribute(std::vector<double>{1.5, 2.25})},
                  {"email", to_attribute("u1@example.com")},
                  {"visits", to_attribute(3)}};
  t.put_item(user);
  EXPECT_FALSE(contains_secret_text(stored(fixture_key("user#1", 1))));
  const std::optional<Item> got = t.get_item(fixture_key("user#1", 1), {.consistent_read = true});
  ASSERT_TRUE(got);
  EXPECT_TRUE(equivalent(*got, user));
  EXPECT_EQ(from_attribute<std::set<std::string>>(got->at("tags")),
            (std::set<std::string>{"TAG-SECRET-x", "y"}));
  EXPECT_EQ(from_attribute<int>(got->at("visits")), 3);

  EXPECT_THROW(t.put_item(user, {.expression = "attribute_not_exists(pk)"}), DynamoDbError);

  // Native JSON.
  t.put_json(R"({"pk":"user#2","sk":2,"ssn":"SSN-SECRET-2","profile":{"city":"CITY-SECRET"},)"
             R"("email":"u2@example.com","note":null})");
  EXPECT_FALSE(contains_secret_text(stored(fixture_key("user#2", 2))));
  const auto json = t.get_json(R"({"pk":"user#2","sk":2})",
                               {.consistent_read = true, .projection_expression = "profile, ssn"});
  ASSERT_TRUE(json);
  EXPECT_EQ(parse_native_json_item(*json),
            parse_native_json_item(R"({"profile":{"city":"CITY-SECRET"},"ssn":"SSN-SECRET-2"})"));
  EXPECT_FALSE(t.get_json(R"({"pk":"nobody","sk":0})"));

  const std::optional<Item> deleted = t.delete_item(fixture_key("user#1", 1));
  ASSERT_TRUE(deleted);
  EXPECT_TRUE(equivalent(*deleted, user));
  EXPECT_FALSE(t.delete_item(fixture_key("user#1", 1)));
}

TEST_P(Table, ReadersWalkEveryPage) {
  const EncryptedTable& t = *table_handle_;
  std::vector<Item> rows;
  for (int i = 0; i < 40; ++i) rows.push_back(fixture_row(i < 25 ? "m" : "n", i));
  t.batch_put_items(rows);

  ItemReader scan = t.scan({.limit = 6, .consistent_read = true});
  std::set<std::int64_t> seen;
  while (auto item = scan.next()) {
    EXPECT_TRUE(equivalent(*item, fixture_row(item->at("pk").as_s(),
                                              static_cast<int>(item->at("sk").as_int64()))));
    seen.insert(item->at("sk").as_int64());
  }
  EXPECT_EQ(seen.size(), 40u);
  EXPECT_GE(scan.pages(), 7);
  EXPECT_EQ(scan.returned_count(), 40);
  EXPECT_EQ(scan.scanned_count(), 40);

  ItemReader query = t.query({.key_condition_expression = "pk = :p",
                              .filter_expression = "email <> :e",
                              .projection_expression = "sk, ssn",
                              .expression_attribute_values = {{":p", to_attribute("m")},
                                                              {":e", fixture_row("m", 3).at("email")}},
                              .limit = 4});
  int count = 0;
  while (auto item = query.next()) {
    ++count;
    EXPECT_EQ(item->size(), 2u);
    EXPECT_NE(item->at("sk").as_int64(), 3);
  }
  EXPECT_EQ(count, 24);
  EXPECT_THROW((void)t.query({.table_name = "another"}), ConfigError);

  std::vector<Item> keys;
  for (int i = 0; i < 40; ++i) keys.push_back(fixture_key(i < 25 ? "m" : "n", i));
  EXPECT_EQ(t.batch_get_item(keys, {.consistent_read = true}).size(), 40u);
  t.batch_delete_items(keys);
  EXPECT_TRUE(stored_items().empty());
}

INSTANTIATE_TEST_SUITE_P(Providers, Table, ::testing::ValuesIn(all_provider_kinds()),
                         provider_kind_name);

}  // namespace
}  // namespace ddbcrypt::testing
