// DirectKmsMaterialsProvider (spec §12.3).
#include "ddbcrypt/materials/direct_kms_provider.h"

#include <atomic>
#include <string_view>
#include <utility>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"
#include "legacy/algorithms.h"
#include "legacy/format.h"
#include "materials/kms_data_key_cache.h"

namespace ddbcrypt {
namespace {

namespace lf = internal::legacy;

// KMS encryption context keys and description values both reference libraries use.
constexpr std::string_view kContentAlgorithmContextKey = "*amzn-ddb-env-alg*";
constexpr std::string_view kSigningAlgorithmContextKey = "*amzn-ddb-sig-alg*";
constexpr std::string_view kTableContextKey = "*aws-kms-table*";
constexpr std::string_view kKmsWrapAlgorithm = "kms";
constexpr std::string_view kKeyCoverage = "*keys*";
constexpr std::string_view kDefaultContentDescription = "AES/256";
constexpr std::string_view kDefaultSigningDescription = "HmacSHA256/256";
constexpr std::size_t kDefaultKeyBits = 256;
// GenerateDataKey asks for 32 bytes: the data key is HKDF input keying material, not an AES key.
constexpr int kDataKeyBytes = 32;
constexpr std::string_view kEncryptionInfo = "Encryption";
constexpr std::string_view kSigningInfo = "Signing";
// HKDF-SHA256 yields at most 255 * 32 bytes.
constexpr std::size_t kMaxDerivedBytes = 255 * 32;

// "AES", "AES/128", "AES/192" or "AES/256".
struct ContentKeySpec {
  std::string description;
  std::size_t bytes = 32;
};
// "HmacSHA<n>" or "HmacSHA<n>/<bits>".
struct SigningKeySpec {
  std::string description;
  HashAlgorithm hash = HashAlgorithm::kSha256;
  std::size_t bytes = 32;
};

// Throws ConfigError (the caller turns it into a DecryptionError for an item's description).
ContentKeySpec parse_content_spec(std::string_view description) {
  const std::optional<std::size_t> size = lf::parse_content_key_description(description);
  return ContentKeySpec{std::string(description), size.value_or(kDefaultKeyBits / 8)};
}

SigningKeySpec parse_signing_spec(std::string_view description) {
  const lf::KeyDescription d = lf::split_key_description(description);
  const auto algorithm = lf::find_signing_algorithm(d.algorithm);
  if (!algorithm || algorithm->rsa) {
    throw ConfigError("unsupported Direct KMS signing key description \"" +
                      std::string(description.substr(0, 64)) +
                      "\" (expected HmacSHA224, HmacSHA256, HmacSHA384 or HmacSHA512, "
                      "optionally /BITS)");
  }
  const std::size_t bits = d.bits.value_or(kDefaultKeyBits);
  if (bits % 8 != 0 || bits / 8 > kMaxDerivedBytes) {
    throw ConfigError("unsupported Direct KMS signing key length in \"" +
                      std::string(description.substr(0, 64)) +
                      "\" (a multiple of 8 bits, at most " + std::to_string(kMaxDerivedBytes * 8) +
                      ")");
  }
  return SigningKeySpec{std::string(description), algorithm->hash, bits / 8};
}

const std::string* find_entry(const MaterialDescription& description, std::string_view key) {
  const auto it = description.find(std::string(key));
  return it == description.end() ? nullptr : &it->second;
}

// "arn:<partition>:kms:<region>:<account>:key/<id>" (or ":alias/<name>") → region. Python
// takes the fourth ':'-separated field of any key id that has one.
std::optional<std::string> arn_region(std::string_view key_id) {
  if (!key_id.starts_with("arn:")) return std::nullopt;
  std::size_t start = 0;
  for (int field = 0; field < 3; ++field) {
    start = key_id.find(':', start);
    if (start == std::string_view::npos) return std::nullopt;
    ++start;
  }
  const std::size_t end = key_id.find(':', start);
  if (end == std::string_view::npos || end == start) return std::nullopt;
  return std::string(key_id.substr(start, end - start));
}

enum class Direction : std::uint8_t { kEncrypt = 0, kDecrypt = 1 };

[[noreturn]] void item_error(Direction direction, const std::string& message) {
  if (direction == Direction::kEncrypt) throw EncryptionError(message);
  throw DecryptionError(message);
}

// A key attribute's value as both references put it into the KMS encryption context.
std::string context_value(const AttributeValue& value, std::string_view role,
                          const std::string& name, Direction direction) {
  switch (value.type()) {
    case AttributeValue::Type::kS:
      return value.as_s();
    case AttributeValue::Type::kN:
      // Exactly as stored: the references do not normalize key numbers here.
      return value.as_n();
    case AttributeValue::Type::kB:
      return base64_encode(value.as_b());
    default:
      item_error(direction, std::string(role) + " attribute \"" + name + "\" is of type " +
                                std::string(type_name(value.type())) +
                                ": the Direct KMS provider puts key values into the KMS "
                                "encryption context and supports only S, N and B");
  }
}

}  // namespace

struct DirectKmsMaterialsProvider::State {
  std::string key_id;
  std::shared_ptr<aws::KmsClient> kms;
  std::vector<std::string> grant_tokens;
  MaterialDescription description;
  ContentKeySpec content;
  SigningKeySpec signing;
  aws::KmsEncryptionContext extra_context;
  KmsKeyPinning pinning = KmsKeyPinning::kConfiguredKey;
  std::unique_ptr<internal::KmsDataKeyCache> cache;  // null: disabled

  mutable std::atomic<std::uint64_t> generate_data_key_calls{0};
  mutable std::atomic<std::uint64_t> decrypt_calls{0};
  mutable std::atomic<std::uint64_t> failed_calls{0};
  mutable std::atomic<std::uint64_t> cache_hits{0};
  mutable std::atomic<std::uint64_t> cache_misses{0};

  // The KMS encryption context of spec §12.3, built in the reference's order so that a key
  // attribute named like one of the reserved entries ends up exactly as Python sends it.
  aws::KmsEncryptionContext kms_context(const EncryptionContext& context,
                                        const std::string& content_description,
                                        const std::string& signing_description,
                                        Direction direction) const {
    aws::KmsEncryptionContext ec = extra_context;
    ec.insert_or_assign(std::string(kContentAlgorithmContextKey), content_description);
    ec.insert_or_assign(std::string(kSigningAlgorithmContextKey), signing_description);
    const auto add_key = [&](const std::optional<std::string>& name, std::string_view role) {
      if (!name) return;
      if (extra_context.count(*name) != 0) {
        throw ConfigError("the Direct KMS provider's extra encryption context has an entry \"" +
                          *name + "\", which is the " + std::string(role) +
                          " attribute's name on table \"" + context.table_name + "\"");
      }
      const Item* item = context.attributes;
      const auto it = item == nullptr ? Item::const_iterator{} : item->find(*name);
      if (item == nullptr || it == item->end()) {
        item_error(direction, "the item has no " + std::string(role) + " attribute \"" + *name +
                                  "\", which the Direct KMS provider binds into the KMS "
                                  "encryption context");
      }
      ec.insert_or_assign(*name, context_value(it->second, role, *name, direction));
    };
    add_key(context.partition_key_name, "partition key");
    add_key(context.sort_key_name, "sort key");
    if (!context.table_name.empty()) {
      ec.insert_or_assign(std::string(kTableContextKey), context.table_name);
    }
    return ec;
  }

  // KmsError with the same facts and a message that says which call failed for which item.
  [[noreturn]] void rethrow_kms(const KmsError& e, std::string_view operation,
                                const EncryptionContext& context) const {
    ++failed_calls;
    AwsErrorInfo info = e.info();
    std::string message = std::string(operation) + " of the data key of an item of table \"" +
                          context.table_name + "\" (KMS key " + key_id + ")";
    if (info.error_code == "InvalidCiphertextException") {
      message += ", refused: the item's table, key values or key descriptions are not the ones "
                 "its data key was made for, or amzn-ddb-env-key was altered";
    } else if (info.error_code == "IncorrectKeyException") {
      message += ", refused: the item's data key was made under another KMS key";
    }
    if (!info.message.empty()) message += ": " + info.message;
    info.message = std::move(message);
    throw KmsError(std::move(info));
  }

  static std::pair<std::shared_ptr<const AesKey>, SigningKey> derive(const SecretBytes& ikm,
                                                                     std::size_t content_bytes,
                                                                     const SigningKeySpec& sig) {
    SecretBytes encryption = hkdf_sha256(ikm, {}, as_bytes(kEncryptionInfo), content_bytes);
    SecretBytes signing = hkdf_sha256(ikm, {}, as_bytes(kSigningInfo), sig.bytes);
    return {std::make_shared<const AesKey>(AesKey::create(std::move(encryption))),
            SigningKey::hmac(HmacKey::create(sig.hash, std::move(signing)))};
  }
};

std::unique_ptr<DirectKmsMaterialsProvider> DirectKmsMaterialsProvider::create(
    DirectKmsOptions options) {
  if (options.key_id.empty()) throw ConfigError("the Direct KMS provider needs a KMS key id");
  auto state = std::make_unique<State>();
  state->key_id = std::move(options.key_id);

  if (const auto region = arn_region(state->key_id)) {
    if (options.kms && options.kms->region() == *region) {
      state->kms = std::move(options.kms);
    } else if (options.kms_for_region) {
      state->kms = options.kms_for_region(*region);
      if (!state->kms) {
        throw ConfigError("kms_for_region returned no KMS client for region " + *region);
      }
      if (state->kms->region() != *region) {
        throw ConfigError("kms_for_region(\"" + *region + "\") returned a client for region " +
                          state->kms->region());
      }
    } else if (options.kms) {
      throw ConfigError("KMS key " + state->key_id + " is in region " + *region +
                        " but the KMS client is for " + options.kms->region() +
                        " and no kms_for_region factory is set");
    } else {
      throw ConfigError("the Direct KMS provider needs a KMS client (kms or kms_for_region)");
    }
  } else if (options.kms) {
    state->kms = std::move(options.kms);
  } else {
    throw ConfigError("KMS key id " + state->key_id +
                      " names no region: the Direct KMS provider needs a KMS client (kms) for "
                      "the default region");
  }

  const std::string* content = find_entry(options.description, lf::kContentKeyAlgorithmKey);
  const std::string* signing = find_entry(options.description, lf::kSigningKeyAlgorithmKey);
  try {
    state->content = parse_content_spec(content ? *content : kDefaultContentDescription);
    state->signing = parse_signing_spec(signing ? *signing : kDefaultSigningDescription);
  } catch (const ConfigError& e) {
    throw ConfigError(std::string("Direct KMS provider description: ") + e.what());
  }
  for (std::string_view reserved :
       {kContentAlgorithmContextKey, kSigningAlgorithmContextKey, kTableContextKey}) {
    if (options.extra_encryption_context.count(std::string(reserved)) != 0) {
      throw ConfigError("the Direct KMS provider's extra encryption context must not set \"" +
                        std::string(reserved) + "\" (the provider sets it)");
    }
  }
  state->grant_tokens = std::move(options.grant_tokens);
  state->description = std::move(options.description);
  state->extra_context = std::move(options.extra_encryption_context);
  state->pinning = options.pinning;
  if (options.decryption_cache) {
    state->cache = std::make_unique<internal::KmsDataKeyCache>(*options.decryption_cache,
                                                               std::move(options.clock));
  }
  return std::unique_ptr<DirectKmsMaterialsProvider>(
      new DirectKmsMaterialsProvider(std::move(state)));
}

DirectKmsMaterialsProvider::DirectKmsMaterialsProvider(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
DirectKmsMaterialsProvider::~DirectKmsMaterialsProvider() = default;

EncryptionMaterials DirectKmsMaterialsProvider::encryption_materials(
    const EncryptionContext& context) const {
  const State& s = *state_;
  aws::GenerateDataKeyRequest request{
      .key_id = s.key_id,
      .number_of_bytes = kDataKeyBytes,
      .encryption_context =
          s.kms_context(context, s.content.description, s.signing.description, Direction::kEncrypt),
      .grant_tokens = s.grant_tokens,
  };
  ++s.generate_data_key_calls;
  aws::GenerateDataKeyResult result;
  try {
    result = s.kms->generate_data_key(request);
  } catch (const KmsError& e) {
    s.rethrow_kms(e, "GenerateDataKey", context);
  } catch (...) {
    ++s.failed_calls;
    throw;
  }
  if (result.plaintext.empty() || result.ciphertext_blob.empty()) {
    throw EncryptionError("KMS GenerateDataKey (KMS key " + s.key_id +
                          ") returned no data key");
  }
  auto [encryption_key, signing_key] = State::derive(result.plaintext, s.content.bytes, s.signing);

  // Java copies the provider's description, Python the context's (spec §14 D12): both read
  // either, so the item gets both, then the provider's own entries.
  MaterialDescription description = s.description;
  for (const auto& [key, value] : context.material_description) {
    description.insert_or_assign(key, value);
  }
  description.insert_or_assign(std::string(lf::kKmsContextAttributesKey),
                               std::string(kKeyCoverage));
  description.insert_or_assign(std::string(lf::kWrapAlgorithmKey), std::string(kKmsWrapAlgorithm));
  description.insert_or_assign(std::string(lf::kContentKeyAlgorithmKey), s.content.description);
  description.insert_or_assign(std::string(lf::kSigningKeyAlgorithmKey), s.signing.description);
  description.insert_or_assign(std::string(lf::kEnvelopeKeyKey),
                               base64_encode(result.ciphertext_blob));
  return EncryptionMaterials{std::move(description), std::move(encryption_key),
                             std::move(signing_key)};
}

DecryptionMaterials DirectKmsMaterialsProvider::decryption_materials(
    const EncryptionContext& context) const {
  const State& s = *state_;
  const MaterialDescription& description = context.material_description;
  // Everything read here is the item's unsigned description: problems are the item's.
  if (const std::string* wrap = find_entry(description, lf::kWrapAlgorithmKey);
      wrap != nullptr && *wrap != kKmsWrapAlgorithm) {
    throw DecryptionError("item's amzn-ddb-wrap-alg is not \"kms\": it was not written by a "
                          "Direct KMS provider");
  }
  const std::string* content_description = find_entry(description, lf::kContentKeyAlgorithmKey);
  const std::string* signing_description = find_entry(description, lf::kSigningKeyAlgorithmKey);
  const std::string* envelope = find_entry(description, lf::kEnvelopeKeyKey);
  if (content_description == nullptr || signing_description == nullptr || envelope == nullptr) {
    throw DecryptionError(
        "item's material description lacks amzn-ddb-env-alg, amzn-ddb-sig-alg or "
        "amzn-ddb-env-key: it was not written by a Direct KMS provider");
  }
  ContentKeySpec content;
  SigningKeySpec signing;
  try {
    content = parse_content_spec(*content_description);
    signing = parse_signing_spec(*signing_description);
  } catch (const ConfigError& e) {
    throw DecryptionError(std::string("item's material description: ") + e.what());
  }
  Bytes blob;
  try {
    // Both reference libraries decode the envelope leniently.
    blob = base64_decode_lenient(*envelope);
  } catch (const FormatError&) {
    throw DecryptionError("item's amzn-ddb-env-key is not base64");
  }
  if (blob.empty()) throw DecryptionError("item's amzn-ddb-env-key is empty");

  aws::KmsDecryptRequest request{
      .ciphertext_blob = std::move(blob),
      .encryption_context =
          s.kms_context(context, *content_description, *signing_description, Direction::kDecrypt),
      .grant_tokens = s.grant_tokens,
  };
  if (s.pinning == KmsKeyPinning::kConfiguredKey) request.key_id = s.key_id;
  const internal::KmsDecryptIdentity identity{
      .region = s.kms->region(),
      .pinned_key_id = request.key_id ? std::string_view(*request.key_id) : std::string_view(),
      .context = request.encryption_context,
      .ciphertext_blob = request.ciphertext_blob,
  };

  std::shared_ptr<const SecretBytes> data_key;
  if (s.cache) {
    data_key = s.cache->find(identity);
    ++(data_key ? s.cache_hits : s.cache_misses);
  }
  if (!data_key) {
    ++s.decrypt_calls;
    try {
      data_key = std::make_shared<const SecretBytes>(s.kms->decrypt(request).plaintext);
    } catch (const KmsError& e) {
      s.rethrow_kms(e, "Decrypt", context);
    } catch (...) {
      ++s.failed_calls;
      throw;
    }
    if (data_key->empty()) {
      throw DecryptionError("KMS Decrypt (KMS key " + s.key_id + ") returned an empty data key");
    }
    if (s.cache) s.cache->insert(identity, data_key);
  }
  auto [decryption_key, verification_key] = State::derive(*data_key, content.bytes, signing);
  return DecryptionMaterials{std::move(decryption_key), std::move(verification_key)};
}

KmsProviderMetrics DirectKmsMaterialsProvider::metrics() const noexcept {
  const State& s = *state_;
  return KmsProviderMetrics{
      .generate_data_key_calls = s.generate_data_key_calls.load(),
      .decrypt_calls = s.decrypt_calls.load(),
      .failed_calls = s.failed_calls.load(),
      .cache_hits = s.cache_hits.load(),
      .cache_misses = s.cache_misses.load(),
  };
}

void DirectKmsMaterialsProvider::clear_cache() const {
  if (state_->cache) state_->cache->clear();
}

const std::string& DirectKmsMaterialsProvider::key_id() const noexcept { return state_->key_id; }
const std::string& DirectKmsMaterialsProvider::region() const noexcept {
  return state_->kms->region();
}

}  // namespace ddbcrypt
