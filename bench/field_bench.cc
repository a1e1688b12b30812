// Field encryption: cost per value of the two formats, and KMS calls with the caches on and
// off. KMS is an in-process stand-in (no network), so the times are ddbcrypt's own cost and
// the counters show how many KMS requests a real deployment would send.
#include <benchmark/benchmark.h>

#include <atomic>
#include <stdexcept>
#include <string>

#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/model/field_encryption.h"

namespace {

using namespace ddbcrypt;
using model::EncryptedAttribute;
using model::FieldBinding;
using model::FieldEncryptor;
using model::FieldFormat;

// Wraps data keys with AES-GCM under one local key; counts calls. Only what FieldEncryptor
// uses is implemented.
class LocalKms final : public aws::KmsClient {
 public:
  aws::GenerateDataKeyResult generate_data_key(const aws::GenerateDataKeyRequest&) const override {
    ++generate_calls;
    SecretBytes key = SecretBytes::random(32);
    Bytes blob = aes_gcm_encrypt(master_, key.expose_secret(), {});
    return {.plaintext = std::move(key), .ciphertext_blob = std::move(blob), .key_id = "local"};
  }
  aws::KmsDecryptResult decrypt(const aws::KmsDecryptRequest& request) const override {
    ++decrypt_calls;
    Bytes plain = aes_gcm_decrypt(master_, request.ciphertext_blob, {});
    SecretBytes key = SecretBytes::copy_of(plain);
    detail::secure_wipe(plain.data(), plain.size());
    return {.plaintext = std::move(key), .key_id = "local"};
  }
  aws::KmsEncryptResult encrypt(const aws::KmsEncryptRequest&) const override { unused(); }
  aws::GenerateDataKeyWithoutPlaintextResult generate_data_key_without_plaintext(
      const aws::GenerateDataKeyRequest&) const override {
    unused();
  }
  aws::ReEncryptResult re_encrypt(const aws::ReEncryptRequest&) const override { unused(); }
  aws::KeyMetadata describe_key(const std::string&) const override { unused(); }
  aws::KeyMetadata create_key(const aws::CreateKeyRequest&) const override { unused(); }
  void create_alias(const std::string&, const std::string&) const override { unused(); }
  const std::string& region() const noexcept override { return region_; }

  mutable std::atomic<std::int64_t> generate_calls{0};
  mutable std::atomic<std::int64_t> decrypt_calls{0};

 private:
  [[noreturn]] static void unused() { throw std::logic_error("not used by the benchmark"); }
  AesKey master_ = AesKey::generate(32);
  std::string region_ = "local";
};

const Item kKey{{"pk", AttributeValue::S("user#123")}, {"sk", AttributeValue::N("42")}};
const FieldBinding kWhere{.model_name = "User", .table_name = "users",
                          .attribute_name = "ssn", .key = kKey};

EncryptedAttribute field(FieldFormat format) {
  return EncryptedAttribute{.key_id = "alias/app", .context = {{"app", "bench"}},
                            .format = format};
}

AttributeValue payload(std::int64_t size) {
  return AttributeValue::S(std::string(static_cast<std::size_t>(size), 'x'));
}

void report(benchmark::State& state, const LocalKms& kms) {
  const double values = static_cast<double>(state.iterations());
  state.counters["GenerateDataKey_per_1000"] =
      1000.0 * static_cast<double>(kms.generate_calls.load()) / values;
  state.counters["Decrypt_per_1000"] = 1000.0 * static_cast<double>(kms.decrypt_calls.load()) / values;
}

void BM_Encrypt(benchmark::State& state, FieldFormat format, bool cache) {
  auto kms = std::make_shared<LocalKms>();
  model::FieldEncryptorOptions options{.kms = kms};
  if (!cache) options.encryption_cache.reset();
  const auto fields = FieldEncryptor::create(std::move(options));
  const AttributeValue value = payload(state.range(0));
  const EncryptedAttribute f = field(format);
  for (auto _ : state) benchmark::DoNotOptimize(fields->encrypt(f, kWhere, value));
  state.SetBytesProcessed(state.iterations() * state.range(0));
  report(state, *kms);
}

void BM_Decrypt(benchmark::State& state, FieldFormat format, bool cache) {
  auto kms = std::make_shared<LocalKms>();
  model::FieldEncryptorOptions options{.kms = kms};
  if (!cache) options.decryption_cache.reset();
  const auto fields = FieldEncryptor::create(std::move(options));
  const EncryptedAttribute f = field(format);
  const AttributeValue stored = fields->encrypt(f, kWhere, payload(state.range(0)));
  kms->generate_calls = 0;
  for (auto _ : state) benchmark::DoNotOptimize(fields->decrypt(f, kWhere, stored));
  state.SetBytesProcessed(state.iterations() * state.range(0));
  report(state, *kms);
}

// A query page: 100 items with one encrypted field each, written without key reuse (as
// pydynox does), read with one batch call.
void BM_DecryptPage(benchmark::State& state) {
  auto kms = std::make_shared<LocalKms>();
  const auto writer = FieldEncryptor::create({.kms = kms, .encryption_cache = std::nullopt});
  const EncryptedAttribute f = field(FieldFormat::kBound);
  std::vector<Item> keys;
  std::vector<AttributeValue> stored;
  for (int i = 0; i < 100; ++i) {
    keys.push_back({{"pk", AttributeValue::S("user#" + std::to_string(i))}});
  }
  for (const Item& key : keys) {
    stored.push_back(writer->encrypt(
        f, {.table_name = "users", .attribute_name = "ssn", .key = key}, payload(11)));
  }
  std::vector<model::FieldLoadRequest> page;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    page.push_back({.field = f,
                    .binding = {.table_name = "users", .attribute_name = "ssn", .key = keys[i]},
                    .stored = stored[i]});
  }
  kms->generate_calls = 0;
  const auto reader = FieldEncryptor::create({.kms = kms, .decryption_cache = std::nullopt});
  for (auto _ : state) benchmark::DoNotOptimize(reader->load_batch(page));
  state.SetItemsProcessed(state.iterations() * 100);
  state.counters["Decrypt_per_page"] =
      static_cast<double>(kms->decrypt_calls.load()) / static_cast<double>(state.iterations());
}

BENCHMARK_CAPTURE(BM_Encrypt, bound_cached, FieldFormat::kBound, true)->Arg(11)->Arg(4096);
BENCHMARK_CAPTURE(BM_Encrypt, bound_uncached, FieldFormat::kBound, false)->Arg(11);
BENCHMARK_CAPTURE(BM_Encrypt, pydynox_cached, FieldFormat::kPydynox, true)->Arg(11)->Arg(4096);
BENCHMARK_CAPTURE(BM_Encrypt, pydynox_uncached, FieldFormat::kPydynox, false)->Arg(11);
BENCHMARK_CAPTURE(BM_Decrypt, bound_cached, FieldFormat::kBound, true)->Arg(11)->Arg(4096);
BENCHMARK_CAPTURE(BM_Decrypt, bound_uncached, FieldFormat::kBound, false)->Arg(11);
BENCHMARK_CAPTURE(BM_Decrypt, pydynox_cached, FieldFormat::kPydynox, true)->Arg(11)->Arg(4096);
BENCHMARK_CAPTURE(BM_Decrypt, pydynox_uncached, FieldFormat::kPydynox, false)->Arg(11);
BENCHMARK(BM_DecryptPage);

}  // namespace

BENCHMARK_MAIN();
