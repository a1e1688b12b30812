// Item encryptor: cost of encrypt_item / decrypt_item for a typical 10-attribute item and a
// large (~350 KB) item, with the static, wrapped-AES and wrapped-RSA providers. The wrapped
// providers add one key wrap/unwrap per item (RSA-2048 for wrapped-RSA, which also signs with
// RSA), so the static rows show the encryptor's own cost.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/encryptor/item_encryptor.h"
#include "ddbcrypt/item/attribute_value.h"

namespace {

using namespace ddbcrypt;

const RsaPrivateKey& rsa_key() {
  static const RsaPrivateKey key = RsaPrivateKey::generate(2048);
  return key;
}

std::shared_ptr<const MaterialsProvider> provider(int kind) {
  HmacKey mac = HmacKey::generate(HashAlgorithm::kSha256, 32);
  switch (kind) {
    case 0:
      return StaticMaterialsProvider::create(
          {.encryption_key = std::make_shared<const AesKey>(AesKey::generate(32)),
           .signing_key = SigningKey::hmac(std::move(mac))});
    case 1: {
      AesKey wrap = AesKey::generate(32);
      return WrappedMaterialsProvider::create({.wrapping_key = WrappingKey::aes(wrap.clone()),
                                               .unwrapping_key = UnwrappingKey::aes(std::move(wrap)),
                                               .signing_key = SigningKey::hmac(std::move(mac))});
    }
    default:
      return WrappedMaterialsProvider::create(
          {.wrapping_key = WrappingKey::rsa(rsa_key().public_key()),
           .unwrapping_key = UnwrappingKey::rsa(rsa_key()),
           .signing_key = SigningKey::rsa(HashAlgorithm::kSha256, rsa_key())});
  }
}

const char* provider_name(int kind) {
  static const char* const kNames[] = {"static", "wrapped-aes", "wrapped-rsa"};
  return kNames[kind];
}

// Keys, a few scalars, a set, a small map and a list: a typical application record.
Item typical_item() {
  return Item{
      {"pk", AttributeValue::S("customer#000123")},
      {"sk", AttributeValue::S("order#2024-06-11T10:15:00Z")},
      {"email", AttributeValue::S("someone@example.com")},
      {"name", AttributeValue::S("Ada Lovelace")},
      {"total", AttributeValue::N("1234.50")},
      {"items", AttributeValue::N("3")},
      {"paid", AttributeValue::Bool(true)},
      {"tags", AttributeValue::SS({"gift", "express", "fragile"})},
      {"address", AttributeValue::M({{"street", AttributeValue::S("1 Main St")},
                                     {"city", AttributeValue::S("London")},
                                     {"zip", AttributeValue::S("N1 9GU")}})},
      {"lines", AttributeValue::L({AttributeValue::S("sku-1"), AttributeValue::S("sku-2"),
                                   AttributeValue::N("19.99")})},
  };
}

// Close to DynamoDB's 400 KB limit: a 256 KB binary, 50 strings of 1 KB, a list of 200 numbers.
Item large_item() {
  Item item = typical_item();
  item["document"] = AttributeValue::B(Bytes(256 * 1024, 0x5a));
  for (int i = 0; i < 50; ++i) {
    item["field" + std::to_string(i)] = AttributeValue::S(std::string(1024, 'a' + i % 26));
  }
  AttributeValue::List numbers;
  for (int i = 0; i < 200; ++i) numbers.push_back(AttributeValue::N(std::to_string(i * 7) + ".25"));
  item["series"] = AttributeValue::L(std::move(numbers));
  return item;
}

CryptoConfig config_for(int kind) {
  return CryptoConfig{
      .provider = provider(kind),
      .context = {.table_name = "Orders", .partition_key_name = "pk",
                  .sort_key_name = std::string("sk")},
      .actions = AttributeActions::create(CryptoAction::kEncryptAndSign,
                                          {{"total", CryptoAction::kSignOnly},
                                           {"paid", CryptoAction::kDoNothing}}),
  };
}

std::size_t approximate_bytes(const Item& item) {
  std::size_t n = 0;
  for (const auto& [name, value] : item) {
    n += name.size();
    if (value.is(AttributeValue::Type::kB)) n += value.as_b().size();
    if (value.is(AttributeValue::Type::kS)) n += value.as_s().size();
  }
  return n;
}

void BM_Encrypt(benchmark::State& state, Item (*make)()) {
  const int kind = static_cast<int>(state.range(0));
  state.SetLabel(provider_name(kind));
  const CryptoConfig config = config_for(kind);
  const Item item = make();
  for (auto _ : state) {
    Item stored = encrypt_item(item, config);
    benchmark::DoNotOptimize(stored);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * approximate_bytes(item)));
}

void BM_Decrypt(benchmark::State& state, Item (*make)()) {
  const int kind = static_cast<int>(state.range(0));
  state.SetLabel(provider_name(kind));
  const CryptoConfig config = config_for(kind);
  const Item plain = make();
  const Item stored = encrypt_item(plain, config);
  for (auto _ : state) {
    Item back = decrypt_item(stored, config);
    benchmark::DoNotOptimize(back);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * approximate_bytes(plain)));
}

BENCHMARK_CAPTURE(BM_Encrypt, typical, &typical_item)->DenseRange(0, 2);
BENCHMARK_CAPTURE(BM_Decrypt, typical, &typical_item)->DenseRange(0, 2);
BENCHMARK_CAPTURE(BM_Encrypt, large, &large_item)->DenseRange(0, 2);
BENCHMARK_CAPTURE(BM_Decrypt, large, &large_item)->DenseRange(0, 2);

}  // namespace

BENCHMARK_MAIN();
