#include <algorithm>
#include <cstring>
#include <atomic>
#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/model/field_encryption.h"
#include "model/field_format.h"
#include "model/field_value_codec.h"

namespace ddbcrypt::model {
namespace {

using Clock = std::chrono::steady_clock;

std::string describe(const EncryptedAttribute& field, const FieldBinding& where) {
  std::string text = " (";
  if (!where.model_name.empty()) {
    text += "model ";
    text += where.model_name;
    text += ", ";
  }
  text += "field ";
  text += where.attribute_name.empty() ? std::string_view("?") : where.attribute_name;
  if (!where.table_name.empty()) {
    text += ", table ";
    text += where.table_name;
  }
  text += ", KMS key ";
  text += field.key_id;
  text += ")";
  return text;
}

[[noreturn]] void fail(std::string_view reason, const EncryptedAttribute& field,
                       const FieldBinding& where) {
  throw EncryptionError(std::string(reason) + describe(field, where));
}

// Runs `body`, adding the field's names to any EncryptionError it throws (the format layer
// knows the reason but not the field).
template <class Body>
auto with_field_context(const EncryptedAttribute& field, const FieldBinding& where, Body&& body) {
  try {
    return body();
  } catch (const EncryptionError& e) {
    fail(e.what(), field, where);
  }
}

// pydynox's advice for the KMS codes it names (spec §12), then AWS's code and message.
std::string explain_kms_error(std::string_view operation, const AwsError& e) {
  std::string text = "KMS " + std::string(operation) + " failed: ";
  const std::string& code = e.error_code();
  if (code == "NotFoundException") text += "KMS key not found. Check the key ID or alias. ";
  else if (code == "DisabledException") text += "KMS key is disabled. ";
  else if (code == "InvalidCiphertextException")
    text += "Invalid ciphertext or wrong encryption context. ";
  else if (code == "IncorrectKeyException")
    text += "The value was encrypted under a different KMS key. ";
  else if (code == "AccessDeniedException") text += "Access denied to KMS. ";
  else if (e.is_throttling()) text += "KMS request rate too high. ";
  text += code;
  if (!e.aws_message().empty()) text += ": " + e.aws_message();
  return text;
}

// Rust's String::from_utf8 rules, which pydynox applies on read: no overlong forms, no
// surrogates, nothing above U+10FFFF.
bool is_valid_utf8(ByteView s) {
  std::size_t i = 0;
  while (i < s.size()) {
    // Mostly ASCII text: skip eight bytes at a time while none has its high bit set.
    while (i + 8 <= s.size()) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, sizeof word);
      if ((word & 0x8080808080808080ull) != 0) break;
      i += 8;
    }
    if (i == s.size()) break;
    const std::uint8_t c = s[i];
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// "arn:<partition>:kms:<region>:<account>:key/..." or ":alias/..." → region.
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

bool reads_pydynox(FieldFormat format) {
  return format == FieldFormat::kPydynox || format == FieldFormat::kBoundAcceptingPydynox;
}

void validate_field(const EncryptedAttribute& field, const FieldBinding& where) {
  if (field.key_id.empty()) {
    throw ConfigError("encrypted field needs a KMS key id" + describe(field, where));
  }
  for (const auto& [k, v] : field.context) {
    if (k.empty()) {
      throw ConfigError("encryption context keys must not be empty" + describe(field, where));
    }
  }
}

struct OpCounters {
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> failures{0};
  std::atomic<std::int64_t> total_ns{0};
  std::atomic<std::int64_t> max_ns{0};

  void record(Clock::duration elapsed, bool failed) {
    const std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
    calls.fetch_add(1, std::memory_order_relaxed);
    if (failed) failures.fetch_add(1, std::memory_order_relaxed);
    total_ns.fetch_add(ns, std::memory_order_relaxed);
    std::int64_t seen = max_ns.load(std::memory_order_relaxed);
    while (ns > seen && !max_ns.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
    }
  }
  KmsOperationMetrics snapshot() const {
    return KmsOperationMetrics{
        .calls = calls.load(std::memory_order_relaxed),
        .failures = failures.load(std::memory_order_relaxed),
        .total_latency = std::chrono::nanoseconds(total_ns.load(std::memory_order_relaxed)),
        .max_latency = std::chrono::nanoseconds(max_ns.load(std::memory_order_relaxed)),
    };
  }
};

void bump(std::atomic<std::uint64_t>& counter) { counter.fetch_add(1, std::memory_order_relaxed); }

// A stored value after structural parsing, before any KMS call. The envelope views point into
// `envelope`, whose heap buffer stays put when the struct is moved.
struct ParsedValue {
  Bytes envelope;
  std::uint8_t version = 0;
  internal::PydynoxEnvelope pydynox;
  internal::BoundEnvelope bound;
  ByteView encrypted_key() const {
    return version == internal::kPydynoxVersion ? pydynox.encrypted_key : bound.encrypted_key;
  }
};

// Runs job(0..count-1) on at most `parallel` threads (the caller's included). `job` must not
// throw.
template <class Job>
void run_bounded(std::size_t count, std::size_t parallel, const Job& job) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < count;) job(i);
  };
  std::vector<std::future<void>> helpers;
  const std::size_t extra = std::min(parallel, count) - (count > 0 ? 1 : 0);
  for (std::size_t k = 0; k < extra; ++k) {
    try {
      helpers.push_back(std::async(std::launch::async, worker));
    } catch (const std::system_error&) {
      break;  // no thread to be had: the remaining jobs run on the threads we have
    }
  }
  worker();
  for (auto& h : helpers) h.get();
}

}  // namespace

struct FieldEncryptor::Impl {
  explicit Impl(FieldEncryptorOptions o) : options(std::move(o)) {
    if (options.encryption_cache) encryption_cache.emplace(*options.encryption_cache, options.clock);
    if (options.decryption_cache) decryption_cache.emplace(*options.decryption_cache, options.clock);
  }

  FieldEncryptorOptions options;
  std::optional<EncryptionKeyCache> encryption_cache;
  std::optional<DecryptionKeyCache> decryption_cache;

  std::mutex clients_mu;
  std::map<std::string, std::shared_ptr<aws::KmsClient>> clients;  // guarded by clients_mu

  // One per (region, key, context) ever encrypted under: as many as the fields' settings.
  std::mutex generation_mu;
  std::map<std::string, std::shared_ptr<std::mutex>> generation_locks;  // guarded by generation_mu

  OpCounters generate_data_key;
  OpCounters decrypt;
  std::atomic<std::uint64_t> values_encrypted{0};
  std::atomic<std::uint64_t> values_decrypted{0};
  std::atomic<std::uint64_t> encryption_cache_hits{0};
  std::atomic<std::uint64_t> encryption_cache_misses{0};
  std::atomic<std::uint64_t> decryption_cache_hits{0};
  std::atomic<std::uint64_t> decryption_cache_misses{0};

  // The field's region; else the region named by a key or alias ARN (KMS only answers for
  // keys of the region a request is sent to); else the default client's.
  std::string region_of(const EncryptedAttribute& field) const {
    if (field.region) return *field.region;
    if (auto from_arn = arn_region(field.key_id)) return *from_arn;
    return options.kms->region();
  }

  std::shared_ptr<aws::KmsClient> client_for(const EncryptedAttribute& field,
                                             const FieldBinding& where) {
    const std::string region = region_of(field);
    if (region == options.kms->region()) return options.kms;
    std::lock_guard lock(clients_mu);
    auto& client = clients[region];
    if (!client) {
      if (!options.kms_for_region) {
        throw ConfigError("field needs a KMS client for region " + region +
                          " but FieldEncryptorOptions::kms_for_region is not set" +
                          describe(field, where));
      }
      client = options.kms_for_region(region);
      if (!client) {
        throw ConfigError("kms_for_region returned no client for " + region +
                          describe(field, where));
      }
    }
    return client;
  }

  std::shared_ptr<const DataKey> generate(const EncryptedAttribute& field,
                                          const FieldBinding& where) {
    const auto client = client_for(field, where);
    const aws::GenerateDataKeyRequest request{
        .key_id = field.key_id,
        .key_spec = std::string("AES_256"),
        .encryption_context = field.context,
    };
    const auto start = Clock::now();
    aws::GenerateDataKeyResult result;
    try {
      result = client->generate_data_key(request);
    } catch (const AwsError& e) {
      generate_data_key.record(Clock::now() - start, true);
      std::throw_with_nested(
          EncryptionError(explain_kms_error("GenerateDataKey", e) + describe(field, where)));
    }
    generate_data_key.record(Clock::now() - start, false);
    if (result.plaintext.empty()) fail("No plaintext key from KMS", field, where);
    if (result.ciphertext_blob.empty()) fail("No encrypted key from KMS", field, where);
    if (result.plaintext.size() != internal::kDataKeySize) {
      fail("Invalid key: KMS returned a data key of " + std::to_string(result.plaintext.size()) +
               " bytes, expected 32",
           field, where);
    }
    if (result.ciphertext_blob.size() > internal::kMaxEncryptedKeySize) {
      fail("KMS returned an encrypted data key longer than 65535 bytes", field, where);
    }
    return std::make_shared<const DataKey>(
        DataKey{.plaintext = std::move(result.plaintext),
                .encrypted = std::move(result.ciphertext_blob)});
  }

  std::shared_ptr<const DataKey> data_key_for_encrypt(const EncryptedAttribute& field,
                                                      const FieldBinding& where,
                                                      std::uint64_t bytes) {
    if (!encryption_cache) return generate(field, where);
    const DataKeyIdentity id{.region = region_of(field), .key_id = field.key_id,
                             .context = field.context};
    if (auto key = encryption_cache->acquire(id, bytes)) {
      bump(encryption_cache_hits);
      return key;
    }
    // One GenerateDataKey per identity at a time: threads that miss together wait for the
    // first one's key instead of each asking KMS for their own.
    std::lock_guard generating(*generation_lock(id));
    if (auto key = encryption_cache->acquire(id, bytes)) {
      bump(encryption_cache_hits);
      return key;
    }
    bump(encryption_cache_misses);
    auto key = generate(field, where);
    encryption_cache->insert(id, key, bytes);
    return key;
  }

  std::shared_ptr<std::mutex> generation_lock(const DataKeyIdentity& id) {
    std::string name = id.region + '\0' + id.key_id + '\0';
    for (const auto& [k, v] : id.context) {
      name += std::to_string(k.size()) + ':' + k + std::to_string(v.size()) + ':' + v;
    }
    std::lock_guard lock(generation_mu);
    auto& slot = generation_locks[name];
    if (!slot) slot = std::make_shared<std::mutex>();
    return slot;
  }

  // KMS Decrypt of an encrypted data key, pinned to the field's key, through the cache.
  std::shared_ptr<const SecretBytes> data_key_for_decrypt(const EncryptedAttribute& field,
                                                          const FieldBinding& where,
                                                          ByteView encrypted_key) {
    const EncryptedDataKeyIdentity id{.region = region_of(field), .key_id = field.key_id,
                                      .context = field.context, .encrypted_key = encrypted_key};
    if (decryption_cache) {
      if (auto key = decryption_cache->find(id)) {
        bump(decryption_cache_hits);
        return key;
      }
      bump(decryption_cache_misses);
    }
    const auto client = client_for(field, where);
    const aws::KmsDecryptRequest request{
        .ciphertext_blob = Bytes(encrypted_key.begin(), encrypted_key.end()),
        .encryption_context = field.context,
        .key_id = field.key_id,
    };
    const auto start = Clock::now();
    aws::KmsDecryptResult result;
    try {
      result = client->decrypt(request);
    } catch (const AwsError& e) {
      decrypt.record(Clock::now() - start, true);
      std::throw_with_nested(
          EncryptionError(explain_kms_error("Decrypt", e) + describe(field, where)));
    }
    decrypt.record(Clock::now() - start, false);
    if (result.plaintext.size() != internal::kDataKeySize) {
      fail("Invalid key: KMS returned a data key of " + std::to_string(result.plaintext.size()) +
               " bytes, expected 32",
           field, where);
    }
    auto key = std::make_shared<const SecretBytes>(std::move(result.plaintext));
    if (decryption_cache) decryption_cache->insert(id, key);
    return key;
  }

  // Checks prefix, base64, version (against what the field accepts) and lengths.
  ParsedValue parse(const EncryptedAttribute& field, const FieldBinding& where,
                    const AttributeValue& stored) {
    return with_field_context(field, where, [&] {
      ParsedValue parsed;
      parsed.envelope = internal::from_stored_text(stored.as_s());
      parsed.version = internal::envelope_version(parsed.envelope);
      if (parsed.version == internal::kPydynoxVersion) {
        if (!reads_pydynox(field.format)) {
          throw EncryptionError(
              "pydynox-format value (version 1, not bound to its item) in a field that "
              "requires the bound format");
        }
        parsed.pydynox = internal::parse_pydynox_envelope(parsed.envelope);
      } else {
        // Version 2, or an unknown version reported by the bound parser.
        parsed.bound = internal::parse_bound_envelope(parsed.envelope);
      }
      return parsed;
    });
  }

  AttributeValue open(const EncryptedAttribute& field, const FieldBinding& where,
                      const ParsedValue& parsed, const SecretBytes& data_key) {
    AttributeValue value = with_field_context(field, where, [&] {
      if (parsed.version == internal::kPydynoxVersion) {
        Bytes plaintext = internal::open_pydynox(data_key, parsed.pydynox);
        const bool valid = is_valid_utf8(plaintext);
        std::string text(plaintext.begin(), plaintext.end());
        detail::secure_wipe(plaintext.data(), plaintext.size());
        if (!valid) {
          detail::secure_wipe(text.data(), text.size());
          throw EncryptionError("Invalid UTF-8 in decrypted value");
        }
        return AttributeValue::S(std::move(text));
      }
      const Bytes binding =
          internal::encode_binding(where.table_name, where.attribute_name, where.key);
      Bytes plaintext = internal::open_bound(data_key, parsed.bound, binding);
      try {
        AttributeValue v = internal::decode_value(plaintext);
        detail::secure_wipe(plaintext.data(), plaintext.size());
        return v;
      } catch (...) {
        detail::secure_wipe(plaintext.data(), plaintext.size());
        throw;
      }
    });
    bump(values_decrypted);
    return value;
  }

  // What `load`/`decrypt` return without any cryptography, if anything: the WriteOnly
  // refusal or kept ciphertext, and plaintext handled by the policy.
  std::optional<LoadedField> settle_without_kms(const EncryptedAttribute& field,
                                                const FieldBinding& where,
                                                const AttributeValue& stored,
                                                bool explicit_decrypt) {
    validate_field(field, where);
    if (field.mode == EncryptionMode::kWriteOnly && explicit_decrypt) {
      fail("Cannot decrypt in WriteOnly mode", field, where);
    }
    if (!is_encrypted(stored)) {
      if (field.plaintext_policy != PlaintextPolicy::kAcceptDuringMigration) {
        fail("Value is not encrypted (type " + std::string(type_name(stored.type())) +
                 ", no 'ENC:' prefix) and the field's plaintext policy rejects plaintext",
             field, where);
      }
      return LoadedField{.value = stored, .state = FieldState::kPlaintextDuringMigration};
    }
    if (field.mode == EncryptionMode::kWriteOnly) {
      (void)parse(field, where, stored);
      return LoadedField{.value = stored, .state = FieldState::kCiphertextKept};
    }
    return std::nullopt;
  }

  std::vector<LoadedField> load_many(std::span<const FieldLoadRequest> requests,
                                     bool explicit_decrypt) {
    const std::size_t n = requests.size();
    std::vector<std::optional<LoadedField>> settled(n);
    std::vector<std::optional<ParsedValue>> parsed(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& r = requests[i];
      settled[i] = settle_without_kms(r.field, r.binding, r.stored, explicit_decrypt);
      if (!settled[i]) parsed[i] = parse(r.field, r.binding, r.stored);
    }

    // One KMS Decrypt per distinct uncached (region, key, context, blob); the decryption
    // cache also serves repeats within the batch.
    struct KeyJob {
      std::size_t first_request;
      std::shared_ptr<const SecretBytes> key;
      std::exception_ptr error;
    };
    std::vector<KeyJob> jobs;
    std::vector<std::size_t> job_of(n, 0);
    std::map<std::string, std::size_t> job_index;
    for (std::size_t i = 0; i < n; ++i) {
      if (!parsed[i]) continue;
      const auto& f = requests[i].field;
      std::string id = region_of(f) + '\0' + f.key_id + '\0';
      for (const auto& [k, v] : f.context) {
        id += std::to_string(k.size()) + ':' + k + std::to_string(v.size()) + ':' + v;
      }
      id += '\0';
      const ByteView edk = parsed[i]->encrypted_key();
      id.append(edk.begin(), edk.end());
      auto [it, inserted] = job_index.emplace(std::move(id), jobs.size());
      if (inserted) jobs.push_back(KeyJob{.first_request = i, .key = nullptr, .error = nullptr});
      job_of[i] = it->second;
    }
    run_bounded(jobs.size(), std::max<std::size_t>(1, options.max_concurrent_kms_calls),
                [&](std::size_t j) {
                  const auto& r = requests[jobs[j].first_request];
                  try {
                    jobs[j].key = data_key_for_decrypt(
                        r.field, r.binding, parsed[jobs[j].first_request]->encrypted_key());
                  } catch (...) {
                    jobs[j].error = std::current_exception();
                  }
                });

    std::vector<LoadedField> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (settled[i]) {
        out.push_back(std::move(*settled[i]));
        continue;
      }
      const KeyJob& job = jobs[job_of[i]];
      if (job.error) std::rethrow_exception(job.error);
      const auto& r = requests[i];
      out.push_back(LoadedField{.value = open(r.field, r.binding, *parsed[i], *job.key),
                                .state = FieldState::kDecrypted});
    }
    return out;
  }
};

std::unique_ptr<FieldEncryptor> FieldEncryptor::create(FieldEncryptorOptions options) {
  if (!options.kms) throw ConfigError("FieldEncryptorOptions::kms is required");
  if (options.max_concurrent_kms_calls == 0) {
    throw ConfigError("FieldEncryptorOptions::max_concurrent_kms_calls must be at least 1");
  }
  return std::unique_ptr<FieldEncryptor>(
      new FieldEncryptor(std::make_unique<Impl>(std::move(options))));
}

FieldEncryptor::FieldEncryptor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FieldEncryptor::~FieldEncryptor() = default;

AttributeValue FieldEncryptor::encrypt(const EncryptedAttribute& field, const FieldBinding& where,
                                       const AttributeValue& value) const {
  validate_field(field, where);
  if (field.mode == EncryptionMode::kReadOnly) {
    fail("Cannot encrypt in ReadOnly mode", field, where);
  }
  const bool bound = field.format != FieldFormat::kPydynox;
  // Checked before the KMS call, so that a value that cannot be stored costs nothing.
  Bytes binding;
  Bytes plaintext;
  if (bound) {
    binding = internal::encode_binding(where.table_name, where.attribute_name, where.key);
    plaintext = with_field_context(field, where, [&] { return internal::encode_value(value); });
  } else {
    if (!value.is(AttributeValue::Type::kS)) {
      fail("The pydynox format stores only strings (S); the value has type " +
               std::string(type_name(value.type())),
           field, where);
    }
    plaintext = to_bytes(value.as_s());
    if (!is_valid_utf8(plaintext)) {
      detail::secure_wipe(plaintext.data(), plaintext.size());
      fail("The pydynox format requires valid UTF-8 text", field, where);
    }
  }
  std::string stored;
  try {
    const auto key = impl_->data_key_for_encrypt(field, where, plaintext.size());
    const Bytes nonce = random_bytes(internal::kNonceSize);
    const Bytes envelope = with_field_context(field, where, [&] {
      if (!bound) return internal::seal_pydynox(key->plaintext, key->encrypted, nonce, plaintext);
      const Bytes salt = random_bytes(internal::kSaltSize);
      return internal::seal_bound(key->plaintext, key->encrypted, salt, nonce, binding, plaintext);
    });
    stored = internal::to_stored_text(envelope);
  } catch (...) {
    detail::secure_wipe(plaintext.data(), plaintext.size());
    throw;
  }
  detail::secure_wipe(plaintext.data(), plaintext.size());
  bump(impl_->values_encrypted);
  return AttributeValue::S(std::move(stored));
}

AttributeValue FieldEncryptor::decrypt(const EncryptedAttribute& field, const FieldBinding& where,
                                       const AttributeValue& stored) const {
  const FieldLoadRequest request{.field = field, .binding = where, .stored = stored};
  return std::move(impl_->load_many({&request, 1}, /*explicit_decrypt=*/true).front().value);
}

LoadedField FieldEncryptor::load(const EncryptedAttribute& field, const FieldBinding& where,
                                 const AttributeValue& stored) const {
  const FieldLoadRequest request{.field = field, .binding = where, .stored = stored};
  return std::move(impl_->load_many({&request, 1}, /*explicit_decrypt=*/false).front());
}

std::vector<LoadedField> FieldEncryptor::load_batch(
    std::span<const FieldLoadRequest> requests) const {
  return impl_->load_many(requests, /*explicit_decrypt=*/false);
}

std::vector<AttributeValue> FieldEncryptor::decrypt_batch(
    std::span<const FieldLoadRequest> requests) const {
  auto loaded = impl_->load_many(requests, /*explicit_decrypt=*/true);
  std::vector<AttributeValue> out;
  out.reserve(loaded.size());
  for (auto& l : loaded) out.push_back(std::move(l.value));
  return out;
}

AttributeValue FieldEncryptor::keep_ciphertext(const EncryptedAttribute& field,
                                               const FieldBinding& where,
                                               const AttributeValue& stored) const {
  validate_field(field, where);
  if (!is_encrypted(stored)) {
    fail("Value is not encrypted; plaintext is never written into an encrypted field", field,
         where);
  }
  (void)impl_->parse(field, where, stored);
  return stored;
}

bool FieldEncryptor::is_encrypted(const AttributeValue& stored) noexcept {
  return stored.is(AttributeValue::Type::kS) && stored.as_s().starts_with(internal::kFieldPrefix);
}

FieldMetrics FieldEncryptor::metrics() const {
  const auto load = [](const std::atomic<std::uint64_t>& c) {
    return c.load(std::memory_order_relaxed);
  };
  return FieldMetrics{
      .generate_data_key = impl_->generate_data_key.snapshot(),
      .decrypt = impl_->decrypt.snapshot(),
      .values_encrypted = load(impl_->values_encrypted),
      .values_decrypted = load(impl_->values_decrypted),
      .encryption_cache_hits = load(impl_->encryption_cache_hits),
      .encryption_cache_misses = load(impl_->encryption_cache_misses),
      .decryption_cache_hits = load(impl_->decryption_cache_hits),
      .decryption_cache_misses = load(impl_->decryption_cache_misses),
  };
}

void FieldEncryptor::clear_caches() const {
  if (impl_->encryption_cache) impl_->encryption_cache->clear();
  if (impl_->decryption_cache) impl_->decryption_cache->clear();
}

}  // namespace ddbcrypt::model
