// The real KmsClient: AWS KMS's JSON 1.1 protocol (spec/aws-wire.md §5) over JsonService.
//
// Plaintext keys cross this file as base64 in JSON bodies. Every buffer that held one is wiped
// before it is freed: the request body (JsonService does it), the response body, simdjson's
// padded copy, and the decoded bytes. Responses are read with simdjson's On-Demand API, which
// lets the Plaintext member be decoded straight from the padded input instead of being
// unescaped into the parser's own (unwiped) string buffer.
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <simdjson.h>

#include "aws/json_service.h"
#include "aws/region_endpoint.h"
#include "ddbcrypt/aws/kms_client.h"
#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/secret_bytes.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"

namespace ddbcrypt::aws {
namespace {

using ::ddbcrypt::internal::JsonCallFailure;
using ::ddbcrypt::internal::JsonService;

const ::ddbcrypt::internal::JsonServiceTraits kKmsTraits{
    .service_id = internal::kKmsService,
    .signing_name = "kms",
    .target_prefix = "TrentService",
    .content_type = "application/x-amz-json-1.1",
    .check_crc32 = false,
    .default_max_attempts = 3,
    .default_base_delay = std::chrono::milliseconds(50),
};

// ----- Request bodies -------------------------------------------------------------------------

class Body {
 public:
  Body() { out_.push_back('{'); }
  Body& string(std::string_view name, std::string_view value) {
    key(name);
    append_json_string(out_, value);
    return *this;
  }
  Body& integer(std::string_view name, long long value) {
    key(name);
    out_ += std::to_string(value);
    return *this;
  }
  Body& blob(std::string_view name, ByteView value) {
    key(name);
    out_.push_back('"');
    std::string encoded = base64_encode(value);
    out_ += encoded;
    detail::secure_wipe(encoded.data(), encoded.size());
    out_.push_back('"');
    return *this;
  }
  Body& context(std::string_view name, const KmsEncryptionContext& context) {
    if (context.empty()) return *this;
    key(name);
    out_.push_back('{');
    bool first = true;
    for (const auto& [k, v] : context) {
      if (!first) out_.push_back(',');
      first = false;
      append_json_string(out_, k);
      out_.push_back(':');
      append_json_string(out_, v);
    }
    out_.push_back('}');
    return *this;
  }
  Body& strings(std::string_view name, const std::vector<std::string>& values) {
    if (values.empty()) return *this;
    key(name);
    out_.push_back('[');
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i) out_.push_back(',');
      append_json_string(out_, values[i]);
    }
    out_.push_back(']');
    return *this;
  }
  std::string take() {
    out_.push_back('}');
    return std::move(out_);
  }

 private:
  void key(std::string_view name) {
    if (out_.size() > 1) out_.push_back(',');
    append_json_string(out_, name);
    out_.push_back(':');
  }
  std::string out_;
};

void require_key_id(std::string_view key_id, std::string_view operation) {
  if (key_id.empty()) {
    throw ConfigError("KMS " + std::string(operation) + ": a key id is required (key id, key "
                      "ARN, alias name \"alias/...\" or alias ARN)");
  }
}

// ----- Response bodies ------------------------------------------------------------------------

// The members of every KMS response ddbcrypt reads.
struct KmsResponse {
  std::string key_id;
  std::string source_key_id;
  Bytes ciphertext_blob;
  SecretBytes plaintext;
  bool has_plaintext = false;
  bool has_metadata = false;
  KeyMetadata metadata;
};

[[noreturn]] void invalid_response(std::string_view operation, std::string_view what) {
  throw KmsError(AwsErrorInfo{
      .error_code = "InvalidResponse",
      .message = "KMS " + std::string(operation) + " answered with " + std::string(what),
      .http_status = 200,
  });
}

// Decodes base64 text into wiping storage, wiping the temporary decoded copy.
SecretBytes decode_secret(std::string_view base64, std::string_view operation) {
  Bytes decoded;
  try {
    decoded = base64_decode(base64);
  } catch (const FormatError&) {
    invalid_response(operation, "a Plaintext that is not base64");
  }
  SecretBytes secret = SecretBytes::copy_of(decoded);
  detail::secure_wipe(decoded.data(), decoded.size());
  return secret;
}

void read_metadata(simdjson::ondemand::object object, KeyMetadata& out,
                   std::string_view operation) {
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      invalid_response(operation, "malformed KeyMetadata");
    }
    simdjson::ondemand::value value;
    if (field.value().get(value) != simdjson::SUCCESS) {
      invalid_response(operation, "malformed KeyMetadata");
    }
    std::string_view text;
    if (key == "Enabled") {
      bool enabled = false;
      if (value.get_bool().get(enabled) != simdjson::SUCCESS) {
        invalid_response(operation, "a KeyMetadata.Enabled that is not a boolean");
      }
      out.enabled = enabled;
      continue;
    }
    std::string* target = nullptr;
    if (key == "KeyId") target = &out.key_id;
    else if (key == "Arn") target = &out.arn;
    else if (key == "KeyState") target = &out.key_state;
    else if (key == "KeyUsage") target = &out.key_usage;
    else if (key == "KeySpec") target = &out.key_spec;
    else if (key == "Description") target = &out.description;
    if (target == nullptr) continue;  // unknown or unused members are skipped
    if (value.get_string().get(text) != simdjson::SUCCESS) {
      invalid_response(operation, "a KeyMetadata." + std::string(key) + " that is not a string");
    }
    *target = std::string(text);
  }
}

KmsResponse parse_response(std::string& body, std::string_view operation) {
  simdjson::padded_string padded(body);
  detail::secure_wipe(body.data(), body.size());
  struct Wipe {
    simdjson::padded_string& p;
    ~Wipe() { detail::secure_wipe(p.data(), p.size()); }
  } wipe{padded};

  KmsResponse out;
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object root;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(root) != simdjson::SUCCESS) {
    invalid_response(operation, "a body that is not a JSON object");
  }
  for (auto field : root) {
    std::string_view key;
    simdjson::ondemand::value value;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS ||
        field.value().get(value) != simdjson::SUCCESS) {
      invalid_response(operation, "malformed JSON");
    }
    if (key == "Plaintext") {
      // Base64 has no characters JSON escapes, so the raw text between the quotes is the
      // value; reading it raw keeps it out of the parser's string buffer.
      simdjson::ondemand::raw_json_string raw;
      if (value.get_raw_json_string().get(raw) != simdjson::SUCCESS) {
        invalid_response(operation, "a Plaintext that is not a string");
      }
      const char* begin = raw.raw();
      const char* end = begin;
      const char* limit = padded.data() + padded.size();
      while (end < limit && *end != '"' && *end != '\\') ++end;
      if (end >= limit || *end != '"') invalid_response(operation, "a malformed Plaintext");
      out.plaintext = decode_secret(std::string_view(begin, static_cast<std::size_t>(end - begin)),
                                    operation);
      out.has_plaintext = true;
      continue;
    }
    if (key == "KeyMetadata") {
      simdjson::ondemand::object metadata;
      if (value.get_object().get(metadata) != simdjson::SUCCESS) {
        invalid_response(operation, "a KeyMetadata that is not an object");
      }
      read_metadata(metadata, out.metadata, operation);
      out.has_metadata = true;
      continue;
    }
    if (key != "KeyId" && key != "SourceKeyId" && key != "CiphertextBlob") continue;
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) {
      invalid_response(operation, "a " + std::string(key) + " that is not a string");
    }
    if (key == "KeyId") {
      out.key_id = std::string(text);
    } else if (key == "SourceKeyId") {
      out.source_key_id = std::string(text);
    } else {
      try {
        out.ciphertext_blob = base64_decode(text);
      } catch (const FormatError&) {
        invalid_response(operation, "a CiphertextBlob that is not base64");
      }
    }
  }
  return out;
}

void require(bool present, std::string_view operation, std::string_view member) {
  if (!present) invalid_response(operation, "no " + std::string(member));
}

class KmsClientImpl final : public KmsClient {
 public:
  explicit KmsClientImpl(const ClientConfig& config)
      : service_(config, kKmsTraits, [](JsonCallFailure&& failure) {
          // The body of a KMS error carries nothing beyond code and message.
          throw KmsError(std::move(failure.info));
        }) {}

  KmsEncryptResult encrypt(const KmsEncryptRequest& r) const override {
    require_key_id(r.key_id, "Encrypt");
    if (r.plaintext == nullptr) throw ConfigError("KMS Encrypt: no plaintext given");
    std::string body = Body()
                           .string("KeyId", r.key_id)
                           .blob("Plaintext", r.plaintext->expose_secret())
                           .context("EncryptionContext", r.encryption_context)
                           .strings("GrantTokens", r.grant_tokens)
                           .take();
    KmsResponse response = send("Encrypt", std::move(body));
    require(!response.ciphertext_blob.empty(), "Encrypt", "CiphertextBlob");
    return {.ciphertext_blob = std::move(response.ciphertext_blob),
            .key_id = std::move(response.key_id)};
  }

  KmsDecryptResult decrypt(const KmsDecryptRequest& r) const override {
    if (r.ciphertext_blob.empty()) throw ConfigError("KMS Decrypt: the ciphertext is empty");
    Body body;
    body.blob("CiphertextBlob", r.ciphertext_blob)
        .context("EncryptionContext", r.encryption_context);
    if (r.key_id) {
      require_key_id(*r.key_id, "Decrypt");
      body.string("KeyId", *r.key_id);
    }
    body.strings("GrantTokens", r.grant_tokens);
    KmsResponse response = send("Decrypt", body.take());
    require(response.has_plaintext, "Decrypt", "Plaintext");
    return {.plaintext = std::move(response.plaintext), .key_id = std::move(response.key_id)};
  }

  GenerateDataKeyResult generate_data_key(const GenerateDataKeyRequest& r) const override {
    KmsResponse response = send("GenerateDataKey", data_key_body(r, "GenerateDataKey"));
    require(response.has_plaintext, "GenerateDataKey", "Plaintext");
    require(!response.ciphertext_blob.empty(), "GenerateDataKey", "CiphertextBlob");
    return {.plaintext = std::move(response.plaintext),
            .ciphertext_blob = std::move(response.ciphertext_blob),
            .key_id = std::move(response.key_id)};
  }

  GenerateDataKeyWithoutPlaintextResult generate_data_key_without_plaintext(
      const GenerateDataKeyRequest& r) const override {
    KmsResponse response = send("GenerateDataKeyWithoutPlaintext",
                                data_key_body(r, "GenerateDataKeyWithoutPlaintext"));
    require(!response.ciphertext_blob.empty(), "GenerateDataKeyWithoutPlaintext",
            "CiphertextBlob");
    return {.ciphertext_blob = std::move(response.ciphertext_blob),
            .key_id = std::move(response.key_id)};
  }

  ReEncryptResult re_encrypt(const ReEncryptRequest& r) const override {
    require_key_id(r.destination_key_id, "ReEncrypt");
    if (r.ciphertext_blob.empty()) throw ConfigError("KMS ReEncrypt: the ciphertext is empty");
    Body body;
    body.blob("CiphertextBlob", r.ciphertext_blob)
        .context("SourceEncryptionContext", r.source_encryption_context);
    if (r.source_key_id) body.string("SourceKeyId", *r.source_key_id);
    body.string("DestinationKeyId", r.destination_key_id)
        .context("DestinationEncryptionContext", r.destination_encryption_context)
        .strings("GrantTokens", r.grant_tokens);
    KmsResponse response = send("ReEncrypt", body.take());
    require(!response.ciphertext_blob.empty(), "ReEncrypt", "CiphertextBlob");
    return {.ciphertext_blob = std::move(response.ciphertext_blob),
            .source_key_id = std::move(response.source_key_id),
            .key_id = std::move(response.key_id)};
  }

  KeyMetadata describe_key(const std::string& key_id) const override {
    require_key_id(key_id, "DescribeKey");
    KmsResponse response = send("DescribeKey", Body().string("KeyId", key_id).take());
    require(response.has_metadata, "DescribeKey", "KeyMetadata");
    return std::move(response.metadata);
  }

  KeyMetadata create_key(const CreateKeyRequest& r) const override {
    Body body;
    if (!r.description.empty()) body.string("Description", r.description);
    body.string("KeyUsage", r.key_usage).string("KeySpec", r.key_spec);
    KmsResponse response = send("CreateKey", body.take());
    require(response.has_metadata, "CreateKey", "KeyMetadata");
    return std::move(response.metadata);
  }

  void create_alias(const std::string& alias_name, const std::string& target_key_id) const override {
    if (alias_name.rfind("alias/", 0) != 0 || alias_name.size() <= 6) {
      throw ConfigError("KMS CreateAlias: an alias name must start with \"alias/\"");
    }
    require_key_id(target_key_id, "CreateAlias");
    (void)service_.call("CreateAlias", Body()
                                           .string("AliasName", alias_name)
                                           .string("TargetKeyId", target_key_id)
                                           .take());
  }

  const std::string& region() const noexcept override { return service_.region(); }

 private:
  static std::string data_key_body(const GenerateDataKeyRequest& r, std::string_view operation) {
    require_key_id(r.key_id, operation);
    if (r.number_of_bytes.has_value() == r.key_spec.has_value()) {
      throw ConfigError("KMS " + std::string(operation) +
                        ": give exactly one of number_of_bytes and key_spec");
    }
    Body body;
    body.string("KeyId", r.key_id);
    if (r.key_spec) body.string("KeySpec", *r.key_spec);
    if (r.number_of_bytes) body.integer("NumberOfBytes", *r.number_of_bytes);
    body.context("EncryptionContext", r.encryption_context)
        .strings("GrantTokens", r.grant_tokens);
    return body.take();
  }

  KmsResponse send(std::string_view operation, std::string body) const {
    std::string answer = service_.call(operation, std::move(body));
    return parse_response(answer, operation);
  }

  JsonService service_;
};

}  // namespace

std::shared_ptr<KmsClient> make_kms_client(ClientConfig config) {
  return std::make_shared<KmsClientImpl>(config);
}

}  // namespace ddbcrypt::aws
