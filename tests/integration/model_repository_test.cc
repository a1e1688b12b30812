// Repository<T> against DynamoDB Local and moto's KMS (tests/standins/standins.py), over the
// real HTTP clients: every mode on every write and read path, with the raw items read back
// from the table, KMS calls counted at the client, bindings, contexts, plaintext migration,
// versions and unprocessed batch writes (from the fault proxy).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/aws/kms_client.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/model/repository.h"
#include "ddbcrypt/model/transaction.h"
#include "model/model_test_models.h"
#include "testing/standins.h"

namespace ddbcrypt::model {
namespace {

using namespace std::chrono_literals;
using namespace test_models;
using AV = AttributeValue;

constexpr std::string_view kSsn = "123-45-6789";

// Counts the KMS operations that reach the real client.
class CountingKms final : public aws::KmsClient {
 public:
  explicit CountingKms(std::shared_ptr<aws::KmsClient> inner) : inner_(std::move(inner)) {}
  std::size_t calls(const std::string& op) const {
    std::lock_guard lock(mu_);
    const auto it = counts_.find(op);
    return it == counts_.end() ? 0 : it->second;
  }
  aws::KmsEncryptResult encrypt(const aws::KmsEncryptRequest& r) const override {
    count("Encrypt");
    return inner_->encrypt(r);
  }
  aws::KmsDecryptResult decrypt(const aws::KmsDecryptRequest& r) const override {
    count("Decrypt");
    return inner_->decrypt(r);
  }
  aws::GenerateDataKeyResult generate_data_key(const aws::GenerateDataKeyRequest& r) const override {
    count("GenerateDataKey");
    return inner_->generate_data_key(r);
  }
  aws::GenerateDataKeyWithoutPlaintextResult generate_data_key_without_plaintext(
      const aws::GenerateDataKeyRequest& r) const override {
    count("GenerateDataKeyWithoutPlaintext");
    return inner_->generate_data_key_without_plaintext(r);
  }
  aws::ReEncryptResult re_encrypt(const aws::ReEncryptRequest& r) const override {
    count("ReEncrypt");
    return inner_->re_encrypt(r);
  }
  aws::KeyMetadata describe_key(const std::string& id) const override { return inner_->describe_key(id); }
  aws::KeyMetadata create_key(const aws::CreateKeyRequest& r) const override { return inner_->create_key(r); }
  void create_alias(const std::string& a, const std::string& k) const override { inner_->create_alias(a, k); }
  const std::string& region() const noexcept override { return inner_->region(); }

 private:
  void count(const std::string& op) const {
    std::lock_guard lock(mu_);
    ++counts_[op];
  }
  std::shared_ptr<aws::KmsClient> inner_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::size_t> counts_;
};

// The key behind alias/app on the shared moto server, made by whichever test process comes
// first.
void ensure_app_key(const aws::KmsClient& kms) {
  try {
    (void)kms.describe_key(kAppKey);
    return;
  } catch (const KmsError& e) {
    if (e.error_code() != "NotFoundException") throw;
  }
  const auto key = kms.create_key({.description = "ddbcrypt model tests"});
  try {
    kms.create_alias(kAppKey, key.key_id);
  } catch (const KmsError& e) {
    if (e.error_code() != "AlreadyExistsException") throw;  // another process won the race
  }
}

class ModelIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DDBCRYPT_REQUIRE_STANDINS();
    ddb = aws::make_dynamodb_client({.endpoint_override = *testing::dynamodb_endpoint()});
    kms = std::make_shared<CountingKms>(
        aws::make_kms_client({.endpoint_override = *testing::kms_endpoint()}));
    ensure_app_key(*kms);
    fields = std::shared_ptr<FieldEncryptor>(FieldEncryptor::create({.kms = kms}));
  }
  void TearDown() override {
    for (const auto& t : tables) {
      try {
        (void)ddb->delete_table({.table_name = t});
      } catch (const DynamoDbError&) {
      }
    }
  }

  template <class T>
  Repository<T> repo(const std::string& table, std::shared_ptr<const aws::DynamoDbClient> via = nullptr) {
    return Repository<T>({.dynamodb = via ? via : ddb,
                          .fields = fields,
                          .table_name = table,
                          .batch_retry = {.max_attempts = 20, .initial_backoff = 5ms}});
  }
  template <class T>
  Repository<T> created(const std::string& prefix) {
    const std::string table = testing::unique_name(prefix);
    auto r = repo<T>(table);
    r.create_table({.poll_interval = 50ms});
    tables.push_back(table);
    return r;
  }

  std::vector<Item> raw_items(const std::string& table) const {
    std::vector<Item> out;
    aws::ScanPager pages(*ddb, {.table_name = table, .consistent_read = true});
    while (auto page = pages.next_page()) {
      for (auto& i : page->items) out.push_back(std::move(i));
    }
    return out;
  }
  Item raw(const std::string& table, const Item& key) const {
    auto r = ddb->get_item({.table_name = table, .key = key, .consistent_read = true});
    EXPECT_TRUE(r.item.has_value());
    return r.item.value_or(Item{});
  }
  void expect_no_plaintext(const std::string& table, std::string_view secret) const {
    for (const Item& item : raw_items(table)) {
      for (const auto& [name, value] : item) {
        if (value.is(AV::Type::kS)) {
          EXPECT_EQ(value.as_s().find(secret), std::string::npos) << name << " holds plaintext";
        }
      }
    }
  }

  std::shared_ptr<aws::DynamoDbClient> ddb;
  std::shared_ptr<CountingKms> kms;
  std::shared_ptr<FieldEncryptor> fields;
  std::vector<std::string> tables;
};

template <class Body>
std::string encryption_error(Body&& body, std::string_view secret = kSsn) {
  try {
    body();
  } catch (const EncryptionError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find(secret), std::string::npos) << what;
    return what;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected EncryptionError, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected EncryptionError, nothing was thrown";
  return {};
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

User user(int i, std::string ssn) {
  return User{.pk = "user#" + std::to_string(i), .email = "u" + std::to_string(i) + "@example.com",
              .ssn = std::move(ssn), .age = i};
}

TEST_F(ModelIntegrationTest, ReadWriteEncryptsOnEveryWritePathAndDecryptsOnEveryReadPath) {
  auto users = created<User>("model-rw");
  const std::string& t = users.table_name();
  User a = user(1, "111-11-1111");
  users.save(a);                                                        // PutItem
  users.batch_save(std::vector<User>{user(2, "222-22-2222"), user(3, "333-33-3333")});  // BatchWriteItem
  User d = user(4, "444-44-4444");
  Transaction tx;
  tx.save(users, d);                                                    // TransactWriteItems
  tx.commit();
  auto loaded = users.get("user#1");                                    // GetItem
  loaded->value().ssn = "555-55-5555";
  users.update(*loaded);                                                // UpdateItem of the change
  users.update(users.key("user#2"), Update<User>().set(&User::ssn, "666-66-6666"));
  for (const Item& item : raw_items(t)) {
    ASSERT_TRUE(item.count("ssn"));
    EXPECT_TRUE(FieldEncryptor::is_encrypted(item.at("ssn")));
  }
  for (const char* secret : {"111-11-1111", "222-22-2222", "333-33-3333", "444-44-4444",
                             "555-55-5555", "666-66-6666"}) {
    expect_no_plaintext(t, secret);
  }

  const std::map<std::string, std::string> expected{{"user#1", "555-55-5555"},
                                                    {"user#2", "666-66-6666"},
                                                    {"user#3", "333-33-3333"},
                                                    {"user#4", "444-44-4444"}};
  auto check = [&](const std::vector<Loaded<User>>& items) {
    std::map<std::string, std::string> got;
    for (const auto& u : items) got[u->pk] = u->ssn;
    EXPECT_EQ(got, expected);
  };
  check(users.scan({.consistency = ReadConsistency::kStrong}).all());   // Scan
  check(users.parallel_scan(3));                                        // parallel Scan
  check(users.batch_get({users.key("user#1"), users.key("user#2"), users.key("user#3"),
                         users.key("user#4")}));                        // BatchGetItem
  std::vector<Loaded<User>> via_tx;
  for (auto& u : users.transact_get({users.key("user#1"), users.key("user#2"), users.key("user#3"),
                                     users.key("user#4")})) {
    via_tx.push_back(std::move(*u));                                    // TransactGetItems
  }
  check(via_tx);
  EXPECT_EQ(users.query(users.partition_key_is("user#3")).all().front()->ssn, "333-33-3333");  // Query
  EXPECT_EQ(users.decrypt(*users.get("user#4"), &User::ssn), "444-44-4444");
}

TEST_F(ModelIntegrationTest, WriteOnlyNeverCallsKmsDecryptOnAnyPath) {
  auto ingest = created<IngestUser>("model-wo");
  const std::string& t = ingest.table_name();
  IngestUser a{.pk = "user#1", .email = "a@x", .ssn = "111-11-1111"};
  ingest.save(a);
  ingest.batch_save(std::vector<IngestUser>{{.pk = "user#2", .email = "b@x", .ssn = "222-22-2222"}});
  Transaction tx;
  IngestUser c{.pk = "user#3", .email = "c@x", .ssn = "333-33-3333"};
  tx.save(ingest, c);
  tx.commit();
  ingest.update(ingest.key("user#2"), Update<IngestUser>().set(&IngestUser::ssn, "444-44-4444"));
  fields->clear_caches();

  auto one = ingest.get("user#1");
  EXPECT_EQ(one->value().ssn, "");
  EXPECT_EQ(one->state(&IngestUser::ssn), FieldState::kCiphertextKept);
  EXPECT_EQ(ingest.scan().all().size(), 3u);
  EXPECT_EQ(ingest.parallel_scan(2).size(), 3u);
  EXPECT_EQ(ingest.query(ingest.partition_key_is("user#2")).all().size(), 1u);
  EXPECT_EQ(ingest.batch_get({ingest.key("user#1"), ingest.key("user#2")}).size(), 2u);
  EXPECT_EQ(ingest.transact_get({ingest.key("user#3")}).size(), 1u);
  const auto why = encryption_error([&] { (void)ingest.decrypt(*one, &IngestUser::ssn); });
  EXPECT_TRUE(contains(why, "Cannot decrypt in WriteOnly mode")) << why;

  // Writing back what it loaded keeps the ciphertext exactly.
  const AV before = raw(t, ingest.key("user#1")).at("ssn");
  one->value().email = "a2@x";
  ingest.save(*one);
  ingest.update(*one);
  Transaction again;
  one->value().age = 9;
  again.update(ingest, *one);
  again.commit();
  EXPECT_EQ(raw(t, ingest.key("user#1")).at("ssn"), before);
  EXPECT_EQ(kms->calls("Decrypt"), 0u);
  EXPECT_GE(kms->calls("GenerateDataKey"), 1u);

  // A ReadWrite reader sees every value ingest wrote.
  auto users = repo<User>(t);
  EXPECT_EQ(users.get("user#1")->value().ssn, "111-11-1111");
  EXPECT_EQ(users.get("user#1")->value().email, "a2@x");
  EXPECT_EQ(users.get("user#2")->value().ssn, "444-44-4444");
  EXPECT_EQ(users.get("user#3")->value().ssn, "333-33-3333");
}

TEST_F(ModelIntegrationTest, ReadOnlyNeverWritesPlaintextOnAnyPath) {
  auto users = created<User>("model-ro");
  const std::string& t = users.table_name();
  users.save(user(1, std::string(kSsn)));
  const std::vector<Item> before = raw_items(t);
  auto report = repo<ReportUser>(t);
  const ReportUser fresh{.pk = "user#2", .email = "b@x", .ssn = "222-22-2222"};

  for (auto& attempt : std::vector<std::function<void()>>{
           [&] { ReportUser f = fresh; report.save(f); },
           [&] { report.batch_save(std::vector<ReportUser>{fresh}); },
           [&] { report.update(report.key("user#1"), Update<ReportUser>().set(&ReportUser::ssn, "222-22-2222")); },
           [&] { Transaction tx; ReportUser f = fresh; tx.save(report, f); tx.commit(); },
           [&] { auto l = report.get("user#1"); l->value().ssn = "222-22-2222"; report.save(*l); },
           [&] { auto l = report.get("user#1"); l->value().ssn = "222-22-2222"; report.update(*l); },
       }) {
    const auto why = encryption_error(attempt, "222-22-2222");
    EXPECT_TRUE(contains(why, "Cannot encrypt in ReadOnly mode")) << why;
  }
  EXPECT_EQ(raw_items(t), before);  // nothing was written

  auto loaded = report.get("user#1");
  EXPECT_EQ(loaded->value().ssn, kSsn);
  loaded->value().email = "changed@x";
  report.save(*loaded);
  loaded->value().age = 77;
  report.update(*loaded);
  EXPECT_EQ(raw(t, users.key("user#1")).at("ssn"), before.front().at("ssn"));
  expect_no_plaintext(t, kSsn);
  expect_no_plaintext(t, "222-22-2222");
  EXPECT_EQ(users.get("user#1")->value().age, 77);
}

TEST_F(ModelIntegrationTest, BoundValuesMovedToAnotherItemFieldOrTableFailToDecrypt) {
  auto users = created<User>("model-bind");
  auto others = created<User>("model-bind-other");
  users.save(user(1, std::string(kSsn)));
  const AV ssn = raw(users.table_name(), users.key("user#1")).at("ssn");

  (void)ddb->put_item({.table_name = users.table_name(),
                       .item = {{"pk", AV::S("user#2")}, {"email", AV::S("m@x")}, {"ssn", ssn}}});
  encryption_error([&] { (void)users.get("user#2"); });
  (void)ddb->put_item({.table_name = others.table_name(),
                       .item = {{"pk", AV::S("user#1")}, {"email", AV::S("m@x")}, {"ssn", ssn}}});
  encryption_error([&] { (void)others.get("user#1"); });

  auto everything = created<Everything>("model-bind-field");
  everything.save(Everything{.pk = "e#1", .e_blob = Bytes{1, 2}});
  Item item = raw(everything.table_name(), everything.key("e#1"));
  item["e_raw"] = item.at("e_blob");
  (void)ddb->put_item({.table_name = everything.table_name(), .item = item});
  const auto why = encryption_error([&] { (void)everything.get("e#1"); });
  EXPECT_TRUE(contains(why, "field e_raw")) << why;
}

TEST_F(ModelIntegrationTest, WrongEncryptionContextFails) {
  auto users = created<User>("model-ctx");
  users.save(user(1, std::string(kSsn)));
  auto other = repo<OtherTenantUser>(users.table_name());
  fields->clear_caches();
  const auto why = encryption_error([&] { (void)other.get("user#1"); });
  EXPECT_TRUE(contains(why, "InvalidCiphertextException")) << why;
  EXPECT_TRUE(contains(why, "field ssn")) << why;
  EXPECT_TRUE(contains(why, kAppKey)) << why;
}

TEST_F(ModelIntegrationTest, ValuesWithoutThePrefixFollowTheMigrationPolicy) {
  auto users = created<User>("model-migrate");
  const std::string& t = users.table_name();
  (void)ddb->put_item({.table_name = t,
                       .item = {{"pk", AV::S("user#1")}, {"email", AV::S("a@x")},
                                {"ssn", AV::S(std::string(kSsn))}}});
  const auto why = encryption_error([&] { (void)users.get("user#1"); });
  EXPECT_TRUE(contains(why, "not encrypted")) << why;

  auto migrating = repo<MigratingUser>(t);
  auto loaded = migrating.get("user#1");
  EXPECT_EQ(loaded->value().ssn, kSsn);
  EXPECT_EQ(loaded->state(&MigratingUser::ssn), FieldState::kPlaintextDuringMigration);
  migrating.save(*loaded);
  EXPECT_TRUE(FieldEncryptor::is_encrypted(raw(t, users.key("user#1")).at("ssn")));
  expect_no_plaintext(t, kSsn);
  EXPECT_EQ(users.get("user#1")->value().ssn, kSsn);
}

TEST_F(ModelIntegrationTest, VersionConflictsAreDetected) {
  auto accounts = created<Account>("model-version");
  Account a{.owner = "o", .number = 1, .balance = 10};
  accounts.save(a);
  auto first = accounts.get("o", 1, {.consistency = ReadConsistency::kStrong});
  auto second = accounts.get("o", 1, {.consistency = ReadConsistency::kStrong});
  first->value().balance = 20;
  accounts.update(*first);
  second->value().balance = 30;
  try {
    accounts.update(*second);
    FAIL() << "expected a version conflict";
  } catch (const DynamoDbError& e) {
    EXPECT_TRUE(is_version_conflict(e)) << e.what();
    EXPECT_TRUE(contains(e.what(), "at version 2")) << e.what();
  }
  Transaction tx;
  tx.save(accounts, *second);
  try {
    tx.commit();
    FAIL() << "expected a version conflict";
  } catch (const DynamoDbError& e) {
    EXPECT_TRUE(e.is_transaction_canceled() || is_version_conflict(e)) << e.what();
  }
  EXPECT_EQ(accounts.get("o", 1, {.consistency = ReadConsistency::kStrong})->value().balance, 20);
}

TEST_F(ModelIntegrationTest, QueriesPagesAndIndexes) {
  auto accounts = created<Account>("model-query");
  for (int n = 1; n <= 9; ++n) {
    Account a{.owner = "alice", .number = n, .status = n % 3 ? "open" : "closed", .balance = n * 2.0};
    accounts.save(a);
  }
  auto pager = accounts.query(accounts.partition_key_is("alice") && attr("number") >= 2,
                              {.limit = 5, .page_size = 2, .consistency = ReadConsistency::kStrong});
  std::vector<std::int64_t> seen;
  for (auto& a : pager) seen.push_back(a->number);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{2, 3, 4, 5, 6}));
  std::vector<std::int64_t> closed;
  for (auto& a : accounts.query(attr("status") == "closed", {.index_name = "by_status"})) {
    closed.push_back(a->number);
    EXPECT_EQ(a->balance, a->number * 2.0);
  }
  EXPECT_EQ(closed, (std::vector<std::int64_t>{3, 6, 9}));
}

TEST_F(ModelIntegrationTest, BatchSaveRetriesWhatTheServiceLeavesUnprocessed) {
  auto users = created<User>("model-batch");
  testing::FaultProxy proxy = testing::FaultProxy::from_env();
  const int rule = proxy.add_rule(R"({"operation":"BatchWriteItem","table":")" +
                                  users.table_name() + R"(","fault":"trim","keep":4,"times":6})");
  auto via_proxy = repo<User>(users.table_name(),
                              aws::make_dynamodb_client(
                                  {.endpoint_override = *testing::faulty_dynamodb_endpoint()}));
  std::vector<User> many;
  for (int i = 0; i < 40; ++i) many.push_back(user(i, "ssn-" + std::to_string(5000 + i)));
  via_proxy.batch_save(many);
  EXPECT_EQ(proxy.fired(rule), 6);
  proxy.remove_rule(rule);
  const auto items = raw_items(users.table_name());
  EXPECT_EQ(items.size(), 40u);
  for (const Item& item : items) EXPECT_TRUE(FieldEncryptor::is_encrypted(item.at("ssn")));
  expect_no_plaintext(users.table_name(), "ssn-50");
  std::vector<Item> keys;
  for (int i = 0; i < 40; ++i) keys.push_back(users.key("user#" + std::to_string(i)));
  const int get_rule = proxy.add_rule(R"({"operation":"BatchGetItem","table":")" +
                                      users.table_name() + R"(","fault":"trim","keep":7,"times":3})");
  const auto loaded = via_proxy.batch_get(keys);
  EXPECT_EQ(proxy.fired(get_rule), 3);
  proxy.remove_rule(get_rule);
  ASSERT_EQ(loaded.size(), 40u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(loaded[static_cast<std::size_t>(i)]->ssn, "ssn-" + std::to_string(5000 + i));
}

}  // namespace
}  // namespace ddbcrypt::model
