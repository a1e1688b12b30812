#include "ddbcrypt/model/data_key_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "ddbcrypt/error.h"

namespace ddbcrypt::model {
namespace {

using namespace std::chrono_literals;

// A clock the test moves by hand.
struct ManualClock {
  std::chrono::steady_clock::time_point now{};
  CacheClock fn() {
    return [this] { return now; };
  }
};

std::shared_ptr<const DataKey> make_key(std::uint8_t fill) {
  return std::make_shared<const DataKey>(
      DataKey{.plaintext = SecretBytes::copy_of(Bytes(32, fill)), .encrypted = Bytes(8, fill)});
}

DataKeyIdentity identity() {
  return {.region = "eu-west-1", .key_id = "alias/app", .context = {{"app", "hr"}}};
}

TEST(EncryptionKeyCache, HandsOutTheInsertedKeyUntilMaxUses) {
  ManualClock clock;
  EncryptionKeyCache cache({.max_uses = 3}, clock.fn());
  EXPECT_EQ(cache.acquire(identity(), 10), nullptr);
  const auto key = make_key(1);
  cache.insert(identity(), key, 10);  // use 1
  EXPECT_EQ(cache.acquire(identity(), 10), key);  // use 2
  EXPECT_EQ(cache.acquire(identity(), 10), key);  // use 3
  EXPECT_EQ(cache.acquire(identity(), 10), nullptr);
  EXPECT_EQ(cache.size(), 0u);  // the exhausted entry is gone
}

TEST(EncryptionKeyCache, ExpiresByAge) {
  ManualClock clock;
  EncryptionKeyCache cache({.max_age = 60s}, clock.fn());
  cache.insert(identity(), make_key(1), 1);
  clock.now += 59s;
  EXPECT_NE(cache.acquire(identity(), 1), nullptr);
  clock.now += 1s;
  EXPECT_EQ(cache.acquire(identity(), 1), nullptr);
}

TEST(EncryptionKeyCache, LimitsBytesProtectedByOneKey) {
  ManualClock clock;
  EncryptionKeyCache cache({.max_bytes = 100}, clock.fn());
  const auto key = make_key(1);
  cache.insert(identity(), key, 40);
  EXPECT_EQ(cache.acquire(identity(), 60), key);  // exactly 100
  EXPECT_EQ(cache.acquire(identity(), 1), nullptr);
}

TEST(EncryptionKeyCache, NeverCachesAKeyWhoseFirstUseReachesALimit) {
  EncryptionKeyCache big_value({.max_bytes = 100});
  big_value.insert(identity(), make_key(1), 100);
  EXPECT_EQ(big_value.size(), 0u);
  EncryptionKeyCache single_use({.max_uses = 1});
  single_use.insert(identity(), make_key(1), 1);
  EXPECT_EQ(single_use.acquire(identity(), 1), nullptr);
}

TEST(EncryptionKeyCache, NeverCrossesRegionsKeysOrContexts) {
  EncryptionKeyCache cache({});
  cache.insert(identity(), make_key(1), 1);
  auto other_region = identity();
  other_region.region = "us-east-1";
  auto other_key = identity();
  other_key.key_id = "alias/other";
  auto other_value = identity();
  other_value.context["app"] = "payroll";
  auto extra_pair = identity();
  extra_pair.context["tenant"] = "7";
  auto no_context = identity();
  no_context.context.clear();
  // Same concatenated text, different split between key and value.
  auto shifted = identity();
  shifted.context = {{"ap", "phr"}};
  for (const auto& id : {other_region, other_key, other_value, extra_pair, no_context, shifted}) {
    EXPECT_EQ(cache.acquire(id, 1), nullptr);
  }
  EXPECT_NE(cache.acquire(identity(), 1), nullptr);
}

TEST(EncryptionKeyCache, EvictsTheOldestEntryWhenFull) {
  ManualClock clock;
  EncryptionKeyCache cache({.max_entries = 2}, clock.fn());
  auto a = identity();
  a.key_id = "a";
  auto b = identity();
  b.key_id = "b";
  auto c = identity();
  c.key_id = "c";
  cache.insert(a, make_key(1), 1);
  clock.now += 1s;
  cache.insert(b, make_key(2), 1);
  clock.now += 1s;
  cache.insert(c, make_key(3), 1);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.acquire(a, 1), nullptr);
  EXPECT_NE(cache.acquire(b, 1), nullptr);
  EXPECT_NE(cache.acquire(c, 1), nullptr);
}

TEST(EncryptionKeyCache, ConcurrentUsersNeverExceedMaxUses) {
  EncryptionKeyCache cache({.max_uses = 1000});
  cache.insert(identity(), make_key(1), 1);
  std::atomic<int> handed_out{1};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (cache.acquire(identity(), 1)) ++handed_out;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(handed_out.load(), 1000);
}

TEST(EncryptionKeyCache, RejectsZeroLimits) {
  EXPECT_THROW(EncryptionKeyCache({.max_uses = 0}), ConfigError);
  EXPECT_THROW(EncryptionKeyCache({.max_bytes = 0}), ConfigError);
  EXPECT_THROW(EncryptionKeyCache({.max_entries = 0}), ConfigError);
  EXPECT_THROW(EncryptionKeyCache({.max_age = 0s}), ConfigError);
}

EncryptedDataKeyIdentity encrypted_identity(const Bytes& blob) {
  return {.region = "eu-west-1", .key_id = "alias/app", .context = {{"app", "hr"}},
          .encrypted_key = blob};
}

std::shared_ptr<const SecretBytes> make_secret(std::uint8_t fill) {
  return std::make_shared<const SecretBytes>(SecretBytes::copy_of(Bytes(32, fill)));
}

TEST(DecryptionKeyCache, ReturnsOnlyForTheSameBlobContextKeyAndRegion) {
  DecryptionKeyCache cache({});
  const Bytes blob(64, 7);
  const auto secret = make_secret(1);
  cache.insert(encrypted_identity(blob), secret);
  EXPECT_EQ(cache.find(encrypted_identity(blob)), secret);

  Bytes other_blob = blob;
  other_blob.back() ^= 1;
  EXPECT_EQ(cache.find(encrypted_identity(other_blob)), nullptr);
  const Bytes shorter(blob.begin(), blob.end() - 1);
  EXPECT_EQ(cache.find(encrypted_identity(shorter)), nullptr);
  auto other_context = encrypted_identity(blob);
  other_context.context["app"] = "payroll";
  EXPECT_EQ(cache.find(other_context), nullptr);
  auto no_context = encrypted_identity(blob);
  no_context.context.clear();
  EXPECT_EQ(cache.find(no_context), nullptr);
  auto other_key = encrypted_identity(blob);
  other_key.key_id = "alias/other";
  EXPECT_EQ(cache.find(other_key), nullptr);
  auto other_region = encrypted_identity(blob);
  other_region.region = "us-east-1";
  EXPECT_EQ(cache.find(other_region), nullptr);
}

TEST(DecryptionKeyCache, ExpiresByAge) {
  ManualClock clock;
  DecryptionKeyCache cache({.max_age = 10s}, clock.fn());
  const Bytes blob(64, 7);
  cache.insert(encrypted_identity(blob), make_secret(1));
  clock.now += 9s;
  EXPECT_NE(cache.find(encrypted_identity(blob)), nullptr);
  clock.now += 1s;
  EXPECT_EQ(cache.find(encrypted_identity(blob)), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(DecryptionKeyCache, EvictsTheLeastRecentlyUsed) {
  DecryptionKeyCache cache({.max_entries = 2});
  const Bytes a(8, 1), b(8, 2), c(8, 3);
  cache.insert(encrypted_identity(a), make_secret(1));
  cache.insert(encrypted_identity(b), make_secret(2));
  EXPECT_NE(cache.find(encrypted_identity(a)), nullptr);  // a is now the most recent
  cache.insert(encrypted_identity(c), make_secret(3));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_NE(cache.find(encrypted_identity(a)), nullptr);
  EXPECT_EQ(cache.find(encrypted_identity(b)), nullptr);
  EXPECT_NE(cache.find(encrypted_identity(c)), nullptr);
}

TEST(DecryptionKeyCache, ClearDropsEverything) {
  DecryptionKeyCache cache({});
  const Bytes a(8, 1);
  cache.insert(encrypted_identity(a), make_secret(1));
  cache.clear();
  EXPECT_EQ(cache.find(encrypted_identity(a)), nullptr);
  EXPECT_THROW(DecryptionKeyCache({.max_entries = 0}), ConfigError);
}

}  // namespace
}  // namespace ddbcrypt::model
