// KMS calls per 1,000 saves and 1,000 loads through Repository<User>, with the data-key caches
// on (the defaults) and off (pydynox's one call per value), counted by FakeKms and by the
// FieldEncryptor's metrics. The table is printed for the record and the counts are asserted.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "ddbcrypt/model/repository.h"
#include "model/model_test_models.h"
#include "testing/fake_dynamodb.h"
#include "testing/fake_kms.h"

namespace ddbcrypt::model {
namespace {

using namespace test_models;

struct Counts {
  std::size_t save_generate = 0;
  std::size_t get_decrypt = 0;
  std::size_t batch_get_decrypt = 0;
  std::size_t query_decrypt = 0;
};

constexpr int kItems = 1000;

Counts measure(bool caches) {
  auto kms = std::make_shared<testing::FakeKms>("us-east-1");
  kms->add_alias(kAppKey, kms->add_key("app"));
  auto ddb = std::make_shared<testing::FakeDynamoDb>("us-east-1");
  FieldEncryptorOptions options{.kms = kms};
  if (!caches) {
    options.encryption_cache = std::nullopt;
    options.decryption_cache = std::nullopt;
  }
  std::shared_ptr<FieldEncryptor> fields = FieldEncryptor::create(std::move(options));
  Repository<User> users({.dynamodb = ddb, .fields = fields});
  users.create_table({.poll_interval = std::chrono::milliseconds(1)});

  Counts c;
  for (int i = 0; i < kItems; ++i) {
    users.save(User{.pk = "user#" + std::to_string(i), .email = "e", .ssn = "ssn"});
  }
  c.save_generate = kms->calls("GenerateDataKey");
  EXPECT_EQ(fields->metrics().generate_data_key.calls, c.save_generate);
  fields->clear_caches();
  kms->reset_counts();

  for (int i = 0; i < kItems; ++i) {
    EXPECT_EQ(users.get("user#" + std::to_string(i))->value().ssn, "ssn");
  }
  c.get_decrypt = kms->calls("Decrypt");
  fields->clear_caches();
  kms->reset_counts();

  std::vector<Item> keys;
  for (int i = 0; i < kItems; ++i) keys.push_back(users.key("user#" + std::to_string(i)));
  EXPECT_EQ(users.batch_get(keys).size(), static_cast<std::size_t>(kItems));
  c.batch_get_decrypt = kms->calls("Decrypt");
  fields->clear_caches();
  kms->reset_counts();

  EXPECT_EQ(users.scan({.page_size = 100}).all().size(), static_cast<std::size_t>(kItems));
  c.query_decrypt = kms->calls("Decrypt");
  return c;
}

TEST(KmsCalls, PerThousandSavesAndLoadsWithCachesOnAndOff) {
  const Counts on = measure(true);
  const Counts off = measure(false);
  std::printf(
      "KMS calls for %d items, one encrypted field each:\n"
      "                                   caches on   caches off\n"
      "  save (GenerateDataKey)           %9zu   %10zu\n"
      "  get, one by one (Decrypt)        %9zu   %10zu\n"
      "  batch_get, 10 x 100 (Decrypt)    %9zu   %10zu\n"
      "  scan, 10 pages of 100 (Decrypt)  %9zu   %10zu\n",
      kItems, on.save_generate, off.save_generate, on.get_decrypt, off.get_decrypt,
      on.batch_get_decrypt, off.batch_get_decrypt, on.query_decrypt, off.query_decrypt);
  // Caches on: one data key serves all 1,000 values (limit 10,000 uses, 5 minutes), and its
  // blob is decrypted once.
  EXPECT_EQ(on.save_generate, 1u);
  EXPECT_EQ(on.get_decrypt, 1u);
  EXPECT_EQ(on.batch_get_decrypt, 1u);
  EXPECT_EQ(on.query_decrypt, 1u);
  // Caches off: pydynox's accounting, one call per value.
  EXPECT_EQ(off.save_generate, 1000u);
  EXPECT_EQ(off.get_decrypt, 1000u);
  EXPECT_EQ(off.batch_get_decrypt, 1000u);
  EXPECT_EQ(off.query_decrypt, 1000u);
}

}  // namespace
}  // namespace ddbcrypt::model
