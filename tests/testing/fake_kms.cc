#include "testing/fake_kms.h"

#include <cstdio>
#include <thread>

#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::testing {
namespace {

constexpr std::uint8_t kMagic[] = {'F', 'K', 0x01};
constexpr std::size_t kNonce = 12;
constexpr std::size_t kTag = 16;

KmsError kms_error(std::string code, std::string message, std::size_t request_id,
                   bool retryable = false) {
  return KmsError(AwsErrorInfo{.error_code = std::move(code),
                               .message = std::move(message),
                               .http_status = retryable ? 500 : 400,
                               .request_id = "fake-" + std::to_string(request_id),
                               .retryable = retryable});
}

Bytes context_aad(const aws::KmsEncryptionContext& context) {
  Bytes aad = to_bytes("fake-kms context");
  for (const auto& [k, v] : context) {
    for (const std::string* s : {&k, &v}) {
      const auto n = static_cast<std::uint32_t>(s->size());
      for (int shift = 24; shift >= 0; shift -= 8) {
        aad.push_back(static_cast<std::uint8_t>((n >> shift) & 0xFF));
      }
      aad.insert(aad.end(), s->begin(), s->end());
    }
  }
  return aad;
}

AesKey master_key(const std::string& key_id) {
  const Bytes seed = sha256(to_bytes("fake-kms master key " + key_id));
  return AesKey::create(SecretBytes::copy_of(seed));
}

}  // namespace

// Counts a call, records it, applies the latency and tracks concurrency.
class FakeKms::CallScope {
 public:
  CallScope(const FakeKms& kms, RecordedKmsCall call) : kms_(kms) {
    std::chrono::milliseconds latency;
    {
      std::lock_guard lock(kms_.mu_);
      ++kms_.counts_[call.operation];
      const auto failure = kms_.failures_.find(call.operation);
      if (failure != kms_.failures_.end() && failure->second.second > 0) {
        --failure->second.second;
        injected_error_ = failure->second.first;
      }
      kms_.recorded_.push_back(std::move(call));
      latency = kms_.latency_;
    }
    request_id_ = kms_.request_ids_.fetch_add(1) + 1;
    const std::size_t now = kms_.in_flight_.fetch_add(1) + 1;
    std::size_t seen = kms_.max_in_flight_.load();
    while (now > seen && !kms_.max_in_flight_.compare_exchange_weak(seen, now)) {
    }
    if (latency.count() > 0) std::this_thread::sleep_for(latency);
    if (!injected_error_.empty()) {
      kms_.in_flight_.fetch_sub(1);
      throw kms_error(injected_error_, "injected by the test", request_id_,
                      injected_error_ != "AccessDeniedException");
    }
  }
  ~CallScope() {
    if (injected_error_.empty()) kms_.in_flight_.fetch_sub(1);
  }
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;
  std::size_t request_id() const { return request_id_; }

 private:
  const FakeKms& kms_;
  std::string injected_error_;
  std::size_t request_id_ = 0;
};

FakeKms::FakeKms(std::string region) : region_(std::move(region)) {}

std::string FakeKms::create_key_locked(std::string description) const {
  char id[40];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012zu", keys_.size() + 1);
  keys_.emplace(id, Key{.description = std::move(description), .enabled = true});
  return id;
}

std::string FakeKms::add_key(std::string description) {
  std::lock_guard lock(mu_);
  return create_key_locked(std::move(description));
}

std::string FakeKms::key_arn(const std::string& key_id) const {
  return "arn:aws:kms:" + region_ + ":" + std::string(kAccount) + ":key/" + key_id;
}

void FakeKms::add_alias(const std::string& alias_name, const std::string& key_id) {
  std::lock_guard lock(mu_);
  aliases_[alias_name] = resolve(key_id);
}

void FakeKms::set_enabled(const std::string& key_id, bool enabled) {
  std::lock_guard lock(mu_);
  keys_.at(resolve(key_id)).enabled = enabled;
}

void FakeKms::deny(const std::string& operation, const std::string& key_id) {
  std::lock_guard lock(mu_);
  denied_.emplace(operation, resolve(key_id));
}

void FakeKms::fail_next(const std::string& operation, const std::string& error_code, int times) {
  std::lock_guard lock(mu_);
  failures_[operation] = {error_code, times};
}

void FakeKms::register_blob(Bytes blob, const SecretBytes& plaintext, const std::string& key_id,
                            aws::KmsEncryptionContext context) {
  std::lock_guard lock(mu_);
  registered_.insert_or_assign(std::move(blob),
                               RegisteredBlob{.plaintext = plaintext.clone(),
                                              .key_id = resolve(key_id),
                                              .context = std::move(context)});
}

void FakeKms::set_latency(std::chrono::milliseconds latency) {
  std::lock_guard lock(mu_);
  latency_ = latency;
}

std::size_t FakeKms::calls(std::string_view operation) const {
  std::lock_guard lock(mu_);
  const auto it = counts_.find(operation);
  return it == counts_.end() ? 0 : it->second;
}

std::size_t FakeKms::total_calls() const {
  std::lock_guard lock(mu_);
  std::size_t total = 0;
  for (const auto& [op, n] : counts_) total += n;
  return total;
}

std::size_t FakeKms::max_in_flight() const { return max_in_flight_.load(); }

std::vector<RecordedKmsCall> FakeKms::recorded_calls() const {
  std::lock_guard lock(mu_);
  return recorded_;
}

void FakeKms::reset_counts() {
  std::lock_guard lock(mu_);
  counts_.clear();
  recorded_.clear();
  max_in_flight_ = 0;
}

std::string FakeKms::resolve(const std::string& key_ref) const {
  const std::string arn_prefix = "arn:aws:kms:";
  std::string ref = key_ref;
  if (ref.starts_with(arn_prefix)) {
    const std::string expected = arn_prefix + region_ + ":" + std::string(kAccount) + ":";
    if (!ref.starts_with(expected)) {
      throw kms_error("NotFoundException", "Key '" + key_ref + "' does not exist", 0);
    }
    ref = ref.substr(expected.size());
    if (ref.starts_with("key/")) {
      ref = ref.substr(4);
    } else if (!ref.starts_with("alias/")) {
      throw kms_error("NotFoundException", "Invalid keyId " + key_ref, 0);
    }
  }
  if (ref.starts_with("alias/")) {
    const auto it = aliases_.find(ref);
    if (it == aliases_.end()) {
      throw kms_error("NotFoundException", "Alias " + key_ref + " is not found.", 0);
    }
    return it->second;
  }
  if (keys_.find(ref) == keys_.end()) {
    throw kms_error("NotFoundException", "Key '" + key_arn(ref) + "' does not exist", 0);
  }
  return ref;
}

void FakeKms::check_usable(const std::string& operation, const std::string& key_id) const {
  if (!keys_.at(key_id).enabled) {
    throw kms_error("DisabledException", key_arn(key_id) + " is disabled.", 0);
  }
  if (denied_.count({operation, key_id}) != 0) {
    throw kms_error("AccessDeniedException",
                    "User is not authorized to perform: kms:" + operation + " on resource " +
                        key_arn(key_id),
                    0);
  }
}

Bytes FakeKms::seal(const std::string& key_id, const SecretBytes& plaintext,
                    const aws::KmsEncryptionContext& context) const {
  Bytes blob(std::begin(kMagic), std::end(kMagic));
  blob.push_back(static_cast<std::uint8_t>(key_id.size()));
  blob.insert(blob.end(), key_id.begin(), key_id.end());
  const Bytes sealed =
      aes_gcm_encrypt(master_key(key_id), plaintext.expose_secret(), context_aad(context));
  blob.insert(blob.end(), sealed.begin(), sealed.end());
  return blob;
}

std::pair<SecretBytes, std::string> FakeKms::open(const Bytes& blob,
                                                  const aws::KmsEncryptionContext& context,
                                                  const std::optional<std::string>& pinned_key,
                                                  const std::string& operation) const {
  std::lock_guard lock(mu_);
  const std::optional<std::string> pinned =
      pinned_key ? std::optional<std::string>(resolve(*pinned_key)) : std::nullopt;
  auto check_pin = [&](const std::string& actual) {
    if (pinned && *pinned != actual) {
      throw kms_error("IncorrectKeyException",
                      "The key ID in the request does not identify a CMK that can perform "
                      "this operation.",
                      0);
    }
  };
  if (const auto it = registered_.find(blob); it != registered_.end()) {
    if (it->second.context != context) throw kms_error("InvalidCiphertextException", "", 0);
    check_pin(it->second.key_id);
    check_usable(operation, it->second.key_id);
    return {it->second.plaintext.clone(), it->second.key_id};
  }
  if (blob.size() < 4 + kNonce + kTag || !std::equal(std::begin(kMagic), std::end(kMagic),
                                                     blob.begin())) {
    throw kms_error("InvalidCiphertextException", "", 0);
  }
  const std::size_t id_size = blob[3];
  if (blob.size() < 4 + id_size + kNonce + kTag) {
    throw kms_error("InvalidCiphertextException", "", 0);
  }
  const std::string key_id(blob.begin() + 4, blob.begin() + 4 + static_cast<long>(id_size));
  if (keys_.find(key_id) == keys_.end()) throw kms_error("InvalidCiphertextException", "", 0);
  check_pin(key_id);
  check_usable(operation, key_id);
  try {
    Bytes plain = aes_gcm_decrypt(master_key(key_id), ByteView(blob).subspan(4 + id_size),
                                  context_aad(context));
    SecretBytes out = SecretBytes::copy_of(plain);
    detail::secure_wipe(plain.data(), plain.size());
    return {std::move(out), key_id};
  } catch (const DecryptionError&) {
    throw kms_error("InvalidCiphertextException", "", 0);
  }
}

aws::KmsEncryptResult FakeKms::encrypt(const aws::KmsEncryptRequest& request) const {
  CallScope call(*this, {.operation = "Encrypt",
                         .key_id = request.key_id,
                         .encryption_context = request.encryption_context});
  if (request.plaintext == nullptr || request.plaintext->empty() ||
      request.plaintext->size() > 4096) {
    throw kms_error("ValidationException", "Plaintext must be 1 to 4096 bytes",
                    call.request_id());
  }
  std::string key_id;
  {
    std::lock_guard lock(mu_);
    key_id = resolve(request.key_id);
    check_usable("Encrypt", key_id);
  }
  return {.ciphertext_blob = seal(key_id, *request.plaintext, request.encryption_context),
          .key_id = key_arn(key_id)};
}

aws::KmsDecryptResult FakeKms::decrypt(const aws::KmsDecryptRequest& request) const {
  CallScope call(*this, {.operation = "Decrypt",
                         .key_id = request.key_id,
                         .encryption_context = request.encryption_context});
  auto [plaintext, key_id] =
      open(request.ciphertext_blob, request.encryption_context, request.key_id, "Decrypt");
  return {.plaintext = std::move(plaintext), .key_id = key_arn(key_id)};
}

aws::GenerateDataKeyResult FakeKms::generate_data_key(
    const aws::GenerateDataKeyRequest& request) const {
  CallScope call(*this, {.operation = "GenerateDataKey",
                         .key_id = request.key_id,
                         .encryption_context = request.encryption_context,
                         .key_spec = request.key_spec,
                         .number_of_bytes = request.number_of_bytes});
  if (request.key_spec.has_value() == request.number_of_bytes.has_value()) {
    throw kms_error("ValidationException", "Exactly one of KeySpec and NumberOfBytes is required",
                    call.request_id());
  }
  std::size_t size = 0;
  if (request.key_spec) {
    if (*request.key_spec == "AES_256") size = 32;
    else if (*request.key_spec == "AES_128") size = 16;
    else throw kms_error("ValidationException", "Invalid KeySpec", call.request_id());
  } else {
    if (*request.number_of_bytes < 1 || *request.number_of_bytes > 1024) {
      throw kms_error("ValidationException", "NumberOfBytes must be 1 to 1024",
                      call.request_id());
    }
    size = static_cast<std::size_t>(*request.number_of_bytes);
  }
  std::string key_id;
  {
    std::lock_guard lock(mu_);
    key_id = resolve(request.key_id);
    check_usable("GenerateDataKey", key_id);
  }
  SecretBytes plaintext = SecretBytes::random(size);
  Bytes blob = seal(key_id, plaintext, request.encryption_context);
  return {.plaintext = std::move(plaintext), .ciphertext_blob = std::move(blob),
          .key_id = key_arn(key_id)};
}

aws::GenerateDataKeyWithoutPlaintextResult FakeKms::generate_data_key_without_plaintext(
    const aws::GenerateDataKeyRequest& request) const {
  CallScope call(*this, {.operation = "GenerateDataKeyWithoutPlaintext",
                         .key_id = request.key_id,
                         .encryption_context = request.encryption_context,
                         .key_spec = request.key_spec,
                         .number_of_bytes = request.number_of_bytes});
  if (request.key_spec.has_value() == request.number_of_bytes.has_value()) {
    throw kms_error("ValidationException", "Exactly one of KeySpec and NumberOfBytes is required",
                    call.request_id());
  }
  const std::size_t size =
      request.key_spec ? (*request.key_spec == "AES_128" ? 16 : 32)
                       : static_cast<std::size_t>(std::max(1, *request.number_of_bytes));
  std::string key_id;
  {
    std::lock_guard lock(mu_);
    key_id = resolve(request.key_id);
    check_usable("GenerateDataKeyWithoutPlaintext", key_id);
  }
  return {.ciphertext_blob = seal(key_id, SecretBytes::random(size), request.encryption_context),
          .key_id = key_arn(key_id)};
}

aws::ReEncryptResult FakeKms::re_encrypt(const aws::ReEncryptRequest& request) const {
  CallScope call(*this, {.operation = "ReEncrypt",
                         .key_id = request.destination_key_id,
                         .encryption_context = request.destination_encryption_context});
  auto [plaintext, source_key] = open(request.ciphertext_blob, request.source_encryption_context,
                                      request.source_key_id, "ReEncryptFrom");
  std::string destination;
  {
    std::lock_guard lock(mu_);
    destination = resolve(request.destination_key_id);
    check_usable("ReEncryptTo", destination);
  }
  return {.ciphertext_blob = seal(destination, plaintext, request.destination_encryption_context),
          .source_key_id = key_arn(source_key),
          .key_id = key_arn(destination)};
}

aws::KeyMetadata FakeKms::describe_key(const std::string& key_id) const {
  CallScope call(*this, {.operation = "DescribeKey", .key_id = key_id});
  std::lock_guard lock(mu_);
  const std::string id = resolve(key_id);
  const Key& key = keys_.at(id);
  return {.key_id = id,
          .arn = key_arn(id),
          .enabled = key.enabled,
          .key_state = key.enabled ? "Enabled" : "Disabled",
          .key_usage = "ENCRYPT_DECRYPT",
          .key_spec = "SYMMETRIC_DEFAULT",
          .description = key.description};
}

aws::KeyMetadata FakeKms::create_key(const aws::CreateKeyRequest& request) const {
  CallScope call(*this, {.operation = "CreateKey"});
  if (request.key_usage != "ENCRYPT_DECRYPT" || request.key_spec != "SYMMETRIC_DEFAULT") {
    throw kms_error("ValidationException", "FakeKms only makes symmetric encryption keys",
                    call.request_id());
  }
  std::lock_guard lock(mu_);
  const std::string id = create_key_locked(request.description);
  return {.key_id = id,
          .arn = key_arn(id),
          .enabled = true,
          .key_state = "Enabled",
          .key_usage = "ENCRYPT_DECRYPT",
          .key_spec = "SYMMETRIC_DEFAULT",
          .description = request.description};
}

void FakeKms::create_alias(const std::string& alias_name, const std::string& target_key_id) const {
  CallScope call(*this, {.operation = "CreateAlias", .key_id = target_key_id});
  if (!alias_name.starts_with("alias/") || alias_name.size() <= 6) {
    throw kms_error("ValidationException", "Alias must start with 'alias/'", call.request_id());
  }
  std::lock_guard lock(mu_);
  if (aliases_.count(alias_name) != 0) {
    throw kms_error("AlreadyExistsException", "An alias with the name " + alias_name +
                                                  " already exists",
                    call.request_id());
  }
  aliases_[alias_name] = resolve(target_key_id);
}

}  // namespace ddbcrypt::testing
