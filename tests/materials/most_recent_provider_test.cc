#include "ddbcrypt/materials/most_recent_provider.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "ddbcrypt/item/dynamodb_json.h"
#include "encryptor/encryptor_support.h"
#include "legacy/material_description.h"
#include "legacy/vector_files.h"

namespace ddbcrypt {
namespace {

using testing::expect_exact_throw;

Item sample() {
  return Item{{"pk", AttributeValue::S("a")}, {"sk", AttributeValue::N("1")},
              {"secret", AttributeValue::S("value")}};
}

std::string meta_id_of(const Item& stored) {
  return internal::legacy::parse_material_description(
             stored.at(std::string(kMaterialDescriptionAttribute)).as_b())
      .at("amzn-ddb-meta-id");
}

TEST(MetaId, FormatsAndParses) {
  EXPECT_EQ(format_meta_id("name", 12), "name#12");
  EXPECT_EQ(parse_meta_id("my material name#5"), (std::pair<std::string, std::uint64_t>{"my material name", 5}));
  for (const char* bad : {"", "name", "#5", "name#", "name#5#6", "a#b#1", "name#x", "name#-1",
                          "name#99999999999999999999999"}) {
    expect_exact_throw<DecryptionError>([&] { (void)parse_meta_id(bad); });
  }
}

TEST(InMemoryMetaStore, CreatesVersionsOnceAndReportsMax) {
  const auto store = InMemoryMetaStore::create("meta", testing::vector_static_provider());
  EXPECT_EQ(store->max_version("m"), std::nullopt);
  const auto v0 = store->create_version("m", 0);
  const auto again = store->create_version("m", 0);  // existing version wins, not overwritten
  (void)store->create_version("m", 3);
  (void)store->create_version("other", 7);
  EXPECT_EQ(store->max_version("m"), 3u);
  EXPECT_EQ(store->max_version("other"), 7u);
  EXPECT_EQ(store->max_version("n"), std::nullopt);
  expect_exact_throw<DecryptionError>([&] { (void)store->load_version("m", 1); });

  // Items written with version 0's first creation decrypt with the reloaded version 0.
  const CryptoConfig with_v0 = testing::make_config(v0);
  const CryptoConfig with_again = testing::make_config(store->load_version("m", 0));
  EXPECT_EQ(decrypt_item(encrypt_item(sample(), with_v0), with_again), sample());
  EXPECT_EQ(decrypt_item(encrypt_item(sample(), testing::make_config(again)), with_v0), sample());
}

TEST(InMemoryMetaStore, MetaItemsAreEncryptedUnderTheMetaProvider) {
  const auto meta_provider = testing::vector_static_provider();
  const CryptoConfig meta = meta_store_crypto_config("meta", meta_provider);
  const Item stored = make_meta_item("m", 2, meta);
  EXPECT_EQ(stored.at("N"), AttributeValue::S("m"));
  EXPECT_EQ(stored.at("V"), AttributeValue::N("2"));
  for (const char* name : {"t", "enc", "encAlg", "int", "intAlg"}) {
    EXPECT_TRUE(stored.at(name).is(AttributeValue::Type::kB)) << name;
  }
  const Item plain = decrypt_item(stored, meta);
  EXPECT_EQ(plain.at("t"), AttributeValue::S("0"));
  EXPECT_EQ(plain.at("encAlg"), AttributeValue::S("AES"));
  EXPECT_EQ(plain.at("intAlg"), AttributeValue::S("HmacSHA256"));
  EXPECT_EQ(plain.at("enc").as_b().size(), 32u);
  // Under another meta key the item does not verify.
  const CryptoConfig wrong = meta_store_crypto_config(
      "meta", testing::static_provider(testing::vector_aes_key(),
                                       HmacKey::create(HashAlgorithm::kSha256,
                                                       SecretBytes::copy_of(Bytes(16, 1)))));
  expect_exact_throw<SignatureError>([&] { (void)provider_from_meta_item(stored, wrong); });
  // Nor does a meta item whose type version was changed.
  Item bad_type = plain;
  bad_type["t"] = AttributeValue::S("1");
  expect_exact_throw<DecryptionError>(
      [&] { (void)provider_from_meta_item(encrypt_item(bad_type, meta), meta); });
}

TEST(InMemoryMetaStore, LoadsVectorTableDump) {
  const auto store = InMemoryMetaStore::create("metastore", testing::vector_static_provider());
  store->load_json(testing::read_text_file(testing::legacy_vector_path(
      "encrypted_item/ciphertext/python/metastore-aes-hmac-2.json")));
  const auto max = store->max_version("materialName");
  ASSERT_TRUE(max.has_value());
  EXPECT_NO_THROW((void)store->load_version("materialName", *max));
  expect_exact_throw<FormatError>([&] { store->load_json("{bad"); });
  expect_exact_throw<FormatError>([&] { store->load_json(R"({"metastore": [{"x": {"S": "y"}}]})"); });
}

TEST(MostRecentProvider, EncryptsWithNewestAndDecryptsAnyVersion) {
  std::shared_ptr<const MetaStore> store =
      InMemoryMetaStore::create("meta", testing::vector_static_provider());
  const std::shared_ptr<const MaterialsProvider> provider =
      MostRecentProvider::create(store, "keys", std::chrono::hours(1));
  const CryptoConfig config = testing::make_config(provider);

  const Item first = encrypt_item(sample(), config);  // creates version 0
  EXPECT_EQ(meta_id_of(first), "keys#0");
  EXPECT_EQ(store->max_version("keys"), 0u);

  const auto& most_recent = static_cast<const MostRecentProvider&>(*provider);
  EXPECT_EQ(most_recent.rotate(), 1u);
  const Item second = encrypt_item(sample(), config);
  EXPECT_EQ(meta_id_of(second), "keys#1");
  EXPECT_EQ(decrypt_item(first, config), sample());
  EXPECT_EQ(decrypt_item(second, config), sample());

  // Version 0's keys cannot stand in for version 1's: a swapped meta-id fails.
  Item swapped = second;
  MaterialDescription d = internal::legacy::parse_material_description(
      second.at(std::string(kMaterialDescriptionAttribute)).as_b());
  d["amzn-ddb-meta-id"] = "keys#0";
  swapped[std::string(kMaterialDescriptionAttribute)] =
      AttributeValue::B(internal::legacy::serialize_material_description(d));
  EXPECT_THROW((void)decrypt_item(swapped, config), DecryptionError);
  d["amzn-ddb-meta-id"] = "keys#9";
  swapped[std::string(kMaterialDescriptionAttribute)] =
      AttributeValue::B(internal::legacy::serialize_material_description(d));
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(swapped, config); });
  d.erase("amzn-ddb-meta-id");
  swapped[std::string(kMaterialDescriptionAttribute)] =
      AttributeValue::B(internal::legacy::serialize_material_description(d));
  expect_exact_throw<DecryptionError>([&] { (void)decrypt_item(swapped, config); });
}

TEST(MostRecentProvider, RereadsNewestVersionAfterTtl) {
  const std::shared_ptr<const InMemoryMetaStore> store =
      InMemoryMetaStore::create("meta", testing::vector_static_provider());
  (void)store->create_version("keys", 0);
  const CryptoConfig cached =
      testing::make_config(MostRecentProvider::create(store, "keys", std::chrono::hours(1)));
  const CryptoConfig uncached =
      testing::make_config(MostRecentProvider::create(store, "keys", std::chrono::seconds(0)));
  EXPECT_EQ(meta_id_of(encrypt_item(sample(), cached)), "keys#0");
  EXPECT_EQ(meta_id_of(encrypt_item(sample(), uncached)), "keys#0");
  (void)store->create_version("keys", 1);  // another writer rotates
  EXPECT_EQ(meta_id_of(encrypt_item(sample(), cached)), "keys#0");
  EXPECT_EQ(meta_id_of(encrypt_item(sample(), uncached)), "keys#1");
}

TEST(MostRecentProvider, LooksUpTheConfiguredNameNotTheItemsName) {
  std::shared_ptr<const MetaStore> store =
      InMemoryMetaStore::create("meta", testing::vector_static_provider());
  const CryptoConfig a =
      testing::make_config(MostRecentProvider::create(store, "a", std::chrono::hours(1)));
  const CryptoConfig b =
      testing::make_config(MostRecentProvider::create(store, "b", std::chrono::hours(1)));
  const Item stored = encrypt_item(sample(), a);
  (void)encrypt_item(sample(), b);  // creates b#0 with different keys
  EXPECT_THROW((void)decrypt_item(stored, b), DecryptionError);
}

TEST(MostRecentProvider, RejectsBadConfiguration) {
  expect_exact_throw<ConfigError>(
      [] { (void)MostRecentProvider::create(nullptr, "x", std::chrono::seconds(1)); });
  std::shared_ptr<const MetaStore> store =
      InMemoryMetaStore::create("meta", testing::vector_static_provider());
  expect_exact_throw<ConfigError>(
      [&] { (void)MostRecentProvider::create(store, "", std::chrono::seconds(1)); });
  expect_exact_throw<ConfigError>(
      [&] { (void)MostRecentProvider::create(store, "a#b", std::chrono::seconds(1)); });
}

// A MetaStore that forwards to another and lets a test count, fail and hold its calls: the
// seam for what DynamoDB (or the meta provider's KMS) would do.
class ControlledStore final : public MetaStore {
 public:
  explicit ControlledStore(std::shared_ptr<const MetaStore> inner) : inner_(std::move(inner)) {}

  std::shared_ptr<const MaterialsProvider> load_version(std::string_view name,
                                                        std::uint64_t version) const override {
    enter(loads_);
    return inner_->load_version(name, version);
  }
  std::optional<std::uint64_t> max_version(std::string_view name) const override {
    enter(max_queries_);
    return inner_->max_version(name);
  }
  std::shared_ptr<const MaterialsProvider> create_version(std::string_view name,
                                                          std::uint64_t version) const override {
    enter(creates_);
    return inner_->create_version(name, version);
  }

  // While down, every call throws what DynamoDB's client throws when it cannot be reached.
  void set_down(bool down) { down_ = down; }
  // While held, calls wait (after being counted) until released.
  void hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }
  // Waits until `n` calls are waiting in hold().
  void wait_for_waiting(int n) const {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return waiting_ >= n; });
  }

  int loads() const { return loads_; }
  int max_queries() const { return max_queries_; }
  int creates() const { return creates_; }
  int total() const { return loads_ + max_queries_ + creates_; }

 private:
  void enter(std::atomic<int>& counter) const {
    ++counter;
    {
      std::unique_lock lock(mu_);
      ++waiting_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !held_; });
      --waiting_;
    }
    if (down_) {
      throw DynamoDbError(AwsErrorInfo{.error_code = "NetworkError",
                                       .message = "could not connect to the endpoint",
                                       .retryable = true,
                                       .attempts = 10});
    }
  }

  std::shared_ptr<const MetaStore> inner_;
  std::atomic<bool> down_{false};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool held_ = false;        // guarded by mu_
  mutable int waiting_ = 0;  // guarded by mu_
  mutable std::atomic<int> loads_{0};
  mutable std::atomic<int> max_queries_{0};
  mutable std::atomic<int> creates_{0};
};

struct ManualClock {
  std::shared_ptr<std::atomic<std::int64_t>> ms = std::make_shared<std::atomic<std::int64_t>>(0);
  MaterialsClock fn() const {
    return [ms = ms] {
      return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms->load()));
    };
  }
  void advance(std::chrono::milliseconds d) const { *ms += d.count(); }
};

struct Rig {
  std::shared_ptr<InMemoryMetaStore> inner =
      InMemoryMetaStore::create("meta", testing::vector_static_provider());
  std::shared_ptr<ControlledStore> store = std::make_shared<ControlledStore>(inner);
  ManualClock clock;
  std::shared_ptr<const MostRecentProvider> provider;
  CryptoConfig config;
  explicit Rig(std::chrono::milliseconds ttl, std::size_t entries = 1000) {
    provider = MostRecentProvider::create(
        store, "keys", {.version_ttl = ttl, .cache_entries = entries, .clock = clock.fn()});
    config = testing::make_config(provider);
  }
  std::string encrypt_version() const { return meta_id_of(encrypt_item(sample(), config)); }
};

using std::chrono::milliseconds;

TEST(MostRecentProvider, HonoursTheTtlForTheNewestVersion) {
  Rig rig(milliseconds(10'000));
  EXPECT_EQ(rig.encrypt_version(), "keys#0");  // creates version 0
  EXPECT_EQ(rig.store->max_queries(), 1);
  EXPECT_EQ(rig.store->creates(), 1);
  (void)rig.inner->create_version("keys", 1);  // another writer rotates
  rig.clock.advance(milliseconds(9'999));
  EXPECT_EQ(rig.encrypt_version(), "keys#0");
  EXPECT_EQ(rig.store->total(), 2);  // no store call within the TTL
  rig.clock.advance(milliseconds(1));
  EXPECT_EQ(rig.encrypt_version(), "keys#1");
  EXPECT_EQ(rig.store->max_queries(), 2);
  EXPECT_EQ(rig.store->loads(), 1);
  EXPECT_EQ(rig.provider->current_version(), 1u);
  // The newest version is re-read once per TTL, and unchanged materials are not reloaded.
  rig.clock.advance(milliseconds(10'000));
  EXPECT_EQ(rig.encrypt_version(), "keys#1");
  EXPECT_EQ(rig.store->max_queries(), 3);
  EXPECT_EQ(rig.store->loads(), 1);
}

TEST(MostRecentProvider, HonoursTheTtlForVersionMaterials) {
  Rig rig(milliseconds(1'000));
  const Item stored = encrypt_item(sample(), rig.config);  // version 0 created and cached
  Rig reader(milliseconds(1'000));
  reader.store = rig.store;
  reader.provider = MostRecentProvider::create(
      rig.store, "keys", {.version_ttl = milliseconds(1'000), .clock = reader.clock.fn()});
  reader.config = testing::make_config(reader.provider);
  const int before = rig.store->loads();
  EXPECT_EQ(decrypt_item(stored, reader.config), sample());
  EXPECT_EQ(rig.store->loads(), before + 1);
  reader.clock.advance(milliseconds(999));
  EXPECT_EQ(decrypt_item(stored, reader.config), sample());
  EXPECT_EQ(rig.store->loads(), before + 1);
  reader.clock.advance(milliseconds(1));
  EXPECT_EQ(decrypt_item(stored, reader.config), sample());
  EXPECT_EQ(rig.store->loads(), before + 2);  // expired: loaded again
}

TEST(MostRecentProvider, BoundsTheVersionCache) {
  Rig rig(milliseconds(3'600'000), /*entries=*/2);
  std::vector<Item> stored;
  for (int v = 0; v < 3; ++v) {
    if (v > 0) (void)rig.provider->rotate();
    stored.push_back(encrypt_item(sample(), rig.config));
  }
  // A separate reader with room for two versions.
  const std::shared_ptr<const MaterialsProvider> reader = MostRecentProvider::create(
      rig.store, "keys", {.version_ttl = std::chrono::hours(1), .cache_entries = 2});
  const CryptoConfig config = testing::make_config(reader);
  const int before = rig.store->loads();
  for (int v : {0, 1, 0, 1}) EXPECT_EQ(decrypt_item(stored[v], config), sample());
  EXPECT_EQ(rig.store->loads(), before + 2);
  // 2 evicts the least recently used, 0; 1 is still cached.
  for (int v : {2, 1}) EXPECT_EQ(decrypt_item(stored[v], config), sample());
  EXPECT_EQ(rig.store->loads(), before + 3);
  EXPECT_EQ(decrypt_item(stored[0], config), sample());
  EXPECT_EQ(rig.store->loads(), before + 4);
}

TEST(MostRecentProvider, ConcurrentCallersShareOneStoreCall) {
  Rig rig(milliseconds(3'600'000));
  rig.store->hold();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        const Item stored = encrypt_item(sample(), rig.config);
        if (decrypt_item(stored, rig.config) != sample()) ++failures;
      }
    });
  }
  rig.store->wait_for_waiting(1);
  std::this_thread::sleep_for(milliseconds(50));  // let every thread reach the provider
  rig.store->release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(rig.store->max_queries(), 1);
  EXPECT_EQ(rig.store->creates(), 1);
  EXPECT_EQ(rig.store->loads(), 0);
}

TEST(MostRecentProvider, OthersUseCachedMaterialsDuringTheGracePeriod) {
  Rig rig(milliseconds(10'000));
  EXPECT_EQ(rig.encrypt_version(), "keys#0");
  (void)rig.inner->create_version("keys", 1);
  rig.clock.advance(milliseconds(10'100));  // past the TTL, within the 500 ms grace period

  rig.store->hold();
  auto refresher = std::async(std::launch::async, [&] { return rig.encrypt_version(); });
  rig.store->wait_for_waiting(1);  // the refresher is in max_version
  // Meanwhile others are not held up: they get the cached version without a store call.
  EXPECT_EQ(rig.encrypt_version(), "keys#0");
  EXPECT_EQ(rig.store->max_queries(), 2);
  // Past the grace period they wait for the refresh in progress instead of starting another.
  rig.clock.advance(milliseconds(1'000));
  auto waiter = std::async(std::launch::async, [&] { return rig.encrypt_version(); });
  EXPECT_EQ(waiter.wait_for(milliseconds(100)), std::future_status::timeout);
  rig.store->release();
  EXPECT_EQ(refresher.get(), "keys#1");
  EXPECT_EQ(waiter.get(), "keys#1");
  EXPECT_EQ(rig.store->max_queries(), 2);
}

TEST(MostRecentProvider, UnreachableStore) {
  Rig rig(milliseconds(10'000));
  // Nothing cached: the store's error, nothing else.
  rig.store->set_down(true);
  expect_exact_throw<DynamoDbError>([&] { (void)encrypt_item(sample(), rig.config); });
  rig.store->set_down(false);
  const Item v0 = encrypt_item(sample(), rig.config);

  // Within the TTL, cached materials keep working.
  rig.store->set_down(true);
  const int calls = rig.store->total();
  rig.clock.advance(milliseconds(9'000));
  EXPECT_EQ(decrypt_item(encrypt_item(sample(), rig.config), rig.config), sample());
  EXPECT_EQ(decrypt_item(v0, rig.config), sample());
  EXPECT_EQ(rig.store->total(), calls);

  // Past TTL + grace: the refresh is attempted and its error surfaces, as in the reference
  // libraries; a version that is not cached fails at once.
  rig.clock.advance(milliseconds(1'500));
  try {
    (void)encrypt_item(sample(), rig.config);
    ADD_FAILURE() << "encrypted with expired materials while the store is down";
  } catch (const DynamoDbError& e) {
    EXPECT_EQ(e.error_code(), "NetworkError");
    EXPECT_TRUE(e.retryable());
  }
  expect_exact_throw<DynamoDbError>([&] { (void)decrypt_item(v0, rig.config); });
  // The failure is not remembered: each call tries again.
  const int after = rig.store->total();
  expect_exact_throw<DynamoDbError>([&] { (void)encrypt_item(sample(), rig.config); });
  EXPECT_GT(rig.store->total(), after);

  // Back up: everything works again.
  rig.store->set_down(false);
  EXPECT_EQ(rig.encrypt_version(), "keys#0");
  EXPECT_EQ(decrypt_item(v0, rig.config), sample());
}

TEST(MostRecentProvider, WaitersGetTheRefreshersError) {
  Rig rig(milliseconds(0));
  rig.store->set_down(true);
  rig.store->hold();
  auto first = std::async(std::launch::async, [&] { return rig.encrypt_version(); });
  rig.store->wait_for_waiting(1);
  auto second = std::async(std::launch::async, [&] { return rig.encrypt_version(); });
  std::this_thread::sleep_for(milliseconds(50));
  rig.store->release();
  EXPECT_THROW((void)first.get(), DynamoDbError);
  EXPECT_THROW((void)second.get(), DynamoDbError);
  EXPECT_EQ(rig.store->max_queries(), 1);
}

TEST(MostRecentProvider, ClearCacheForgetsEverything) {
  Rig rig(milliseconds(3'600'000));
  const Item stored = encrypt_item(sample(), rig.config);
  EXPECT_EQ(rig.provider->current_version(), 0u);
  rig.provider->clear_cache();
  EXPECT_EQ(rig.provider->current_version(), std::nullopt);
  const int before = rig.store->total();
  EXPECT_EQ(decrypt_item(stored, rig.config), sample());
  EXPECT_EQ(rig.encrypt_version(), "keys#0");
  EXPECT_EQ(rig.store->total(), before + 2);  // one load, one max_version
}

TEST(MostRecentProvider, RejectsBadOptions) {
  std::shared_ptr<const MetaStore> store =
      InMemoryMetaStore::create("meta", testing::vector_static_provider());
  expect_exact_throw<ConfigError>(
      [&] { (void)MostRecentProvider::create(store, "a", {.version_ttl = milliseconds(-1)}); });
  expect_exact_throw<ConfigError>(
      [&] { (void)MostRecentProvider::create(store, "a", {.grace_period = milliseconds(-1)}); });
  expect_exact_throw<ConfigError>(
      [&] { (void)MostRecentProvider::create(store, "a", {.cache_entries = 0}); });
}

}  // namespace
}  // namespace ddbcrypt
