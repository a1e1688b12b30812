// Meta items and the in-memory MetaStore (spec §12.4).
#include "ddbcrypt/materials/meta_store.h"

#include <simdjson.h>

#include <charconv>
#include <iterator>
#include <limits>
#include <utility>

#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "legacy/algorithms.h"
#include "legacy/format.h"
#include "materials/meta_item.h"

namespace ddbcrypt {
namespace {

namespace lf = internal::legacy;

constexpr std::string_view kMaterialTypeAttribute = "t";
constexpr std::string_view kEncryptionKeyAttribute = "enc";
constexpr std::string_view kEncryptionAlgorithmAttribute = "encAlg";
constexpr std::string_view kIntegrityKeyAttribute = "int";
constexpr std::string_view kIntegrityAlgorithmAttribute = "intAlg";
constexpr std::string_view kMaterialTypeVersion = "0";
constexpr std::size_t kNewKeySize = 32;

const AttributeValue& required(const Item& item, std::string_view name, AttributeValue::Type type) {
  const auto it = item.find(std::string(name));
  if (it == item.end() || !it->second.is(type)) {
    throw DecryptionError("meta item lacks attribute " + std::string(name) + " of type " +
                          std::string(type_name(type)));
  }
  return it->second;
}

std::uint64_t parse_version(std::string_view text) {
  std::uint64_t version = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    throw DecryptionError("meta item version is not a non-negative integer");
  }
  return version;
}

// (N, V) of a stored meta item; FormatError if they are missing or malformed.
std::pair<std::string, std::uint64_t> key_of(const Item& item) {
  const auto n = item.find(std::string(kMetaMaterialNameAttribute));
  const auto v = item.find(std::string(kMetaVersionAttribute));
  if (n == item.end() || !n->second.is(AttributeValue::Type::kS) || v == item.end() ||
      !v->second.is(AttributeValue::Type::kN)) {
    throw FormatError("meta item needs N (S) and V (N) attributes");
  }
  try {
    return {n->second.as_s(), parse_version(v->second.as_n())};
  } catch (const DecryptionError& e) {
    throw FormatError(e.what());
  }
}

}  // namespace

CryptoConfig meta_store_crypto_config(std::string table_name,
                                      std::shared_ptr<const MaterialsProvider> meta_provider) {
  if (!meta_provider) throw ConfigError("a meta store needs a meta materials provider");
  if (table_name.empty()) throw ConfigError("a meta store needs a table name");
  return CryptoConfig{
      .provider = std::move(meta_provider),
      .context = {.table_name = std::move(table_name),
                  .partition_key_name = std::string(kMetaMaterialNameAttribute),
                  .sort_key_name = std::string(kMetaVersionAttribute)},
      .actions = AttributeActions::create(CryptoAction::kEncryptAndSign),
  };
}

namespace {

// The wrapped provider of a decrypted (plaintext) meta item. REQUIRES: `item` is a local copy
// whose key bytes may be wiped in place.
std::shared_ptr<const MaterialsProvider> provider_from_plain(const Item& item) {
  const std::string& name =
      required(item, kMetaMaterialNameAttribute, AttributeValue::Type::kS).as_s();
  const std::uint64_t version =
      parse_version(required(item, kMetaVersionAttribute, AttributeValue::Type::kN).as_n());
  if (required(item, kMaterialTypeAttribute, AttributeValue::Type::kS).as_s() !=
      kMaterialTypeVersion) {
    throw DecryptionError("meta item has an unsupported material type version");
  }
  const std::string& enc_alg =
      required(item, kEncryptionAlgorithmAttribute, AttributeValue::Type::kS).as_s();
  if (enc_alg != "AES") {
    throw DecryptionError("meta item names an unsupported encryption key algorithm");
  }
  const std::string& int_alg =
      required(item, kIntegrityAlgorithmAttribute, AttributeValue::Type::kS).as_s();
  const auto signing = lf::find_signing_algorithm(int_alg);
  if (!signing || signing->rsa) {
    throw DecryptionError("meta item names an unsupported integrity key algorithm");
  }
  const Bytes& enc = required(item, kEncryptionKeyAttribute, AttributeValue::Type::kB).as_b();
  const Bytes& integrity = required(item, kIntegrityKeyAttribute, AttributeValue::Type::kB).as_b();
  struct WipeKeys {
    const Bytes& a;
    const Bytes& b;
    ~WipeKeys() {
      detail::secure_wipe(const_cast<std::uint8_t*>(a.data()), a.size());
      detail::secure_wipe(const_cast<std::uint8_t*>(b.data()), b.size());
    }
  } wipe{enc, integrity};
  try {
    WrappedMaterials materials{
        .wrapping_key = WrappingKey::aes(AesKey::create(SecretBytes::copy_of(enc))),
        .unwrapping_key = UnwrappingKey::aes(AesKey::create(SecretBytes::copy_of(enc))),
        .signing_key =
            SigningKey::hmac(HmacKey::create(signing->hash, SecretBytes::copy_of(integrity))),
        .description = {{std::string(lf::kMetaIdKey), format_meta_id(name, version)}},
    };
    return WrappedMaterialsProvider::create(std::move(materials));
  } catch (const ConfigError&) {
    throw DecryptionError("meta item holds keys of an invalid size");
  }
}

}  // namespace

namespace internal {

NewMetaItem new_meta_item(std::string_view material_name, std::uint64_t version,
                          const CryptoConfig& meta_config) {
  if (material_name.empty()) throw ConfigError("material name must not be empty");
  const SecretBytes enc = SecretBytes::random(kNewKeySize);
  const SecretBytes integrity = SecretBytes::random(kNewKeySize);
  const auto span_bytes = [](const SecretBytes& s) {
    const auto view = s.expose_secret();
    return Bytes(view.begin(), view.end());
  };
  Item plain{
      {std::string(kMetaMaterialNameAttribute), AttributeValue::S(std::string(material_name))},
      {std::string(kMetaVersionAttribute), AttributeValue::N(std::to_string(version))},
      {std::string(kMaterialTypeAttribute), AttributeValue::S(std::string(kMaterialTypeVersion))},
      {std::string(kEncryptionKeyAttribute), AttributeValue::B(span_bytes(enc))},
      {std::string(kEncryptionAlgorithmAttribute), AttributeValue::S("AES")},
      {std::string(kIntegrityKeyAttribute), AttributeValue::B(span_bytes(integrity))},
      {std::string(kIntegrityAlgorithmAttribute), AttributeValue::S("HmacSHA256")},
  };
  NewMetaItem out;
  out.stored = encrypt_item(plain, meta_config);
  out.provider = provider_from_plain(plain);  // wipes the plaintext key bytes
  return out;
}

std::shared_ptr<const MaterialsProvider> provider_for_version(const Item& stored,
                                                              std::string_view material_name,
                                                              std::uint64_t version,
                                                              const CryptoConfig& meta_config) {
  const auto n = stored.find(std::string(kMetaMaterialNameAttribute));
  const auto v = stored.find(std::string(kMetaVersionAttribute));
  if (n == stored.end() || !n->second.is(AttributeValue::Type::kS) ||
      n->second.as_s() != material_name || v == stored.end() ||
      !v->second.is(AttributeValue::Type::kN) || parse_version(v->second.as_n()) != version) {
    throw DecryptionError("meta store returned an item that is not version " +
                          std::to_string(version) + " of material \"" +
                          std::string(material_name) + "\"");
  }
  return provider_from_meta_item(stored, meta_config);
}

}  // namespace internal

Item make_meta_item(std::string_view material_name, std::uint64_t version,
                    const CryptoConfig& meta_config) {
  return internal::new_meta_item(material_name, version, meta_config).stored;
}

std::shared_ptr<const MaterialsProvider> provider_from_meta_item(const Item& stored,
                                                                 const CryptoConfig& meta_config) {
  // Not const: the key bytes are wiped in place once copied into key objects.
  Item item = decrypt_item(stored, meta_config);
  return provider_from_plain(item);
}

std::string format_meta_id(std::string_view material_name, std::uint64_t version) {
  return std::string(material_name) + "#" + std::to_string(version);
}

std::pair<std::string, std::uint64_t> parse_meta_id(std::string_view meta_id) {
  const auto hash = meta_id.find('#');
  if (hash == 0 || hash == std::string_view::npos ||
      meta_id.find('#', hash + 1) != std::string_view::npos) {
    throw DecryptionError("amzn-ddb-meta-id is not of the form <name>#<version>");
  }
  const std::string_view digits = meta_id.substr(hash + 1);
  for (char c : digits) {
    if (c < '0' || c > '9') {
      throw DecryptionError("amzn-ddb-meta-id is not of the form <name>#<version>");
    }
  }
  std::uint64_t version = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    throw DecryptionError("amzn-ddb-meta-id has an invalid version");
  }
  return {std::string(meta_id.substr(0, hash)), version};
}

std::unique_ptr<InMemoryMetaStore> InMemoryMetaStore::create(
    std::string table_name, std::shared_ptr<const MaterialsProvider> meta_provider) {
  return std::unique_ptr<InMemoryMetaStore>(new InMemoryMetaStore(
      meta_store_crypto_config(std::move(table_name), std::move(meta_provider))));
}

void InMemoryMetaStore::load_json(std::string_view table_dump_json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(table_dump_json.data(), table_dump_json.size()).get(root) !=
      simdjson::SUCCESS) {
    throw FormatError("meta store dump is not valid JSON");
  }
  simdjson::dom::object tables;
  if (root.get_object().get(tables) != simdjson::SUCCESS) {
    throw FormatError("meta store dump must be an object {\"<table>\": [items]}");
  }
  simdjson::dom::element entry;
  if (tables[config_.context.table_name].get(entry) != simdjson::SUCCESS) return;
  simdjson::dom::array items;
  if (entry.get_array().get(items) != simdjson::SUCCESS) {
    throw FormatError("meta store dump: the table entry must be an array of items");
  }
  for (simdjson::dom::element item : items) put_item(parse_item_json(simdjson::minify(item)));
}

void InMemoryMetaStore::put_item(Item encrypted_item) {
  auto key = key_of(encrypted_item);
  const std::lock_guard lock(mutex_);
  items_.insert_or_assign(std::move(key), std::move(encrypted_item));
}

std::shared_ptr<const MaterialsProvider> InMemoryMetaStore::load_version(
    std::string_view material_name, std::uint64_t version) const {
  Item stored;
  {
    const std::lock_guard lock(mutex_);
    const auto it = items_.find({std::string(material_name), version});
    if (it == items_.end()) {
      throw DecryptionError("meta store \"" + config_.context.table_name + "\" has no version " +
                            std::to_string(version) + " of material \"" +
                            std::string(material_name) + "\"");
    }
    stored = it->second;
  }
  return internal::provider_for_version(stored, material_name, version, config_);
}

std::optional<std::uint64_t> InMemoryMetaStore::max_version(std::string_view material_name) const {
  const std::lock_guard lock(mutex_);
  const std::string name(material_name);
  const auto first = items_.lower_bound({name, 0});
  if (first == items_.end() || first->first.first != name) return std::nullopt;
  return std::prev(items_.upper_bound({name, std::numeric_limits<std::uint64_t>::max()}))
      ->first.second;
}

std::shared_ptr<const MaterialsProvider> InMemoryMetaStore::create_version(
    std::string_view material_name, std::uint64_t version) const {
  // Encrypt outside the lock (the meta provider may be slow, e.g. KMS); the insert is the
  // conditional put: a version that appeared meanwhile wins and is used instead.
  internal::NewMetaItem fresh = internal::new_meta_item(material_name, version, config_);
  Item stored;
  {
    const std::lock_guard lock(mutex_);
    const auto [it, inserted] =
        items_.try_emplace({std::string(material_name), version}, fresh.stored);
    if (inserted) return std::move(fresh.provider);
    stored = it->second;
  }
  return internal::provider_for_version(stored, material_name, version, config_);
}

}  // namespace ddbcrypt
