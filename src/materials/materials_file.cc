// Materials files and key specs (ddbcrypt/materials/materials_file.h).
#include "ddbcrypt/materials/materials_file.h"

#include <simdjson.h>

#include <chrono>
#include <initializer_list>
#include <map>
#include <optional>
#include <utility>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/aws/kms_client.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "ddbcrypt/materials/direct_kms_provider.h"
#include "ddbcrypt/materials/dynamodb_meta_store.h"
#include "ddbcrypt/materials/most_recent_provider.h"
#include "legacy/algorithms.h"
#include "materials/key_spec.h"

namespace ddbcrypt {
namespace internal {
namespace {

namespace lf = legacy;

bool is_aes_name(std::string_view algorithm) { return algorithm == "AES" || algorithm == "AESWrap"; }

SecretBytes decode_secret(std::string_view base64, const std::string& where) {
  try {
    Bytes raw = base64_decode(base64);
    SecretBytes secret = SecretBytes::copy_of(raw);
    detail::secure_wipe(raw.data(), raw.size());
    return secret;
  } catch (const FormatError&) {
    throw ConfigError(where + ".material is not valid base64");
  }
}

// PEM material may be given as the PEM text or as base64 of it.
SecretBytes pem_text(std::string_view material, const std::string& where) {
  if (material.substr(0, 10) == "-----BEGIN") return SecretBytes::copy_of(as_bytes(material));
  return decode_secret(material, where);
}

std::string_view as_text(const SecretBytes& s) {
  const auto view = s.expose_secret();
  return {reinterpret_cast<const char*>(view.data()), view.size()};
}

SigningKey signing_key_from(const KeySpec& key, const std::string& where) {
  const auto algorithm = lf::find_signing_algorithm(key.algorithm);
  if (!algorithm) {
    throw ConfigError(where + ": \"" + key.algorithm +
                      "\" is not a signing algorithm (HmacSHA256, SHA256withRSA, ...)");
  }
  if (!algorithm->rsa) {
    const auto* secret = std::get_if<SecretBytes>(&key.material);
    if (secret == nullptr) throw ConfigError(where + ": an HMAC key must be symmetric");
    return SigningKey::hmac(HmacKey::create(algorithm->hash, secret->clone()));
  }
  if (const auto* priv = std::get_if<RsaPrivateKey>(&key.material)) {
    return SigningKey::rsa(algorithm->hash, *priv);
  }
  if (const auto* pub = std::get_if<RsaPublicKey>(&key.material)) {
    return SigningKey::rsa_verify_only(algorithm->hash, *pub);
  }
  throw ConfigError(where + ": an RSA signing key must be public or private");
}

std::optional<SigningKey> signing_key(const KeyRoles& keys) {
  // A key that can sign serves both directions; a public RSA key only verifies.
  if (keys.sign) {
    SigningKey key = signing_key_from(*keys.sign, "keys.sign");
    if (key.can_sign() || !keys.verify) return key;
  }
  if (keys.verify) return signing_key_from(*keys.verify, "keys.verify");
  return std::nullopt;
}

AesKey aes_key_from(const KeySpec& key, const std::string& where) {
  const auto* secret = std::get_if<SecretBytes>(&key.material);
  if (secret == nullptr || !is_aes_name(key.algorithm)) {
    throw ConfigError(where + ": expected a symmetric AES key");
  }
  try {
    return AesKey::create(secret->clone());
  } catch (const ConfigError&) {
    throw ConfigError(where + ": an AES key must be 16, 24 or 32 bytes");
  }
}

std::shared_ptr<const MaterialsProvider> make_static(const KeyRoles& keys,
                                                     const MaterialDescription& description) {
  StaticMaterials m;
  if (keys.encrypt) {
    m.encryption_key = std::make_shared<const AesKey>(aes_key_from(*keys.encrypt, "keys.encrypt"));
  } else if (keys.decrypt) {
    m.encryption_key = std::make_shared<const AesKey>(aes_key_from(*keys.decrypt, "keys.decrypt"));
  }
  m.signing_key = signing_key(keys);
  if (!m.signing_key) throw ConfigError("static materials need keys.sign or keys.verify");
  m.description = description;
  return StaticMaterialsProvider::create(std::move(m));
}

std::shared_ptr<const MaterialsProvider> make_wrapped(const KeyRoles& keys,
                                                      const MaterialDescription& description) {
  WrappedMaterials m;
  auto check_rsa_name = [](const KeySpec& key, const std::string& where) {
    if (key.algorithm != "RSA") {
      throw ConfigError(where + ": an RSA wrapping key must have algorithm \"RSA\"");
    }
  };
  if (keys.encrypt) {
    if (const auto* pub = std::get_if<RsaPublicKey>(&keys.encrypt->material)) {
      check_rsa_name(*keys.encrypt, "keys.encrypt");
      m.wrapping_key = WrappingKey::rsa(*pub);
    } else if (std::holds_alternative<RsaPrivateKey>(keys.encrypt->material)) {
      throw ConfigError("keys.encrypt: an RSA wrapping key must be the public key");
    } else {
      m.wrapping_key = WrappingKey::aes(aes_key_from(*keys.encrypt, "keys.encrypt"));
    }
  }
  if (keys.decrypt) {
    if (const auto* priv = std::get_if<RsaPrivateKey>(&keys.decrypt->material)) {
      check_rsa_name(*keys.decrypt, "keys.decrypt");
      m.unwrapping_key = UnwrappingKey::rsa(*priv);
      if (!m.wrapping_key) m.wrapping_key = WrappingKey::rsa(priv->public_key());
    } else if (std::holds_alternative<RsaPublicKey>(keys.decrypt->material)) {
      throw ConfigError("keys.decrypt: an RSA unwrapping key must be the private key");
    } else {
      m.unwrapping_key = UnwrappingKey::aes(aes_key_from(*keys.decrypt, "keys.decrypt"));
      if (!m.wrapping_key) {
        m.wrapping_key = WrappingKey::aes(aes_key_from(*keys.decrypt, "keys.decrypt"));
      }
    }
  }
  m.signing_key = signing_key(keys);
  if (!m.signing_key) throw ConfigError("wrapped materials need keys.sign or keys.verify");
  m.description = description;
  return WrappedMaterialsProvider::create(std::move(m));
}

}  // namespace

std::string_view string_member(simdjson::dom::element object, const char* name,
                               const std::string& where) {
  std::string_view value;
  if (object[name].get_string().get(value) != simdjson::SUCCESS) {
    throw ConfigError(where + "." + name + " must be a string");
  }
  return value;
}

KeySpec parse_key_spec(simdjson::dom::element key, const std::string& where) {
  if (!key.is_object()) throw ConfigError(where + " must be an object");
  const std::string_view type = string_member(key, "type", where);
  const std::string_view algorithm = string_member(key, "algorithm", where);
  const std::string_view encoding = string_member(key, "encoding", where);
  const std::string_view material = string_member(key, "material", where);
  KeySpec spec{std::string(algorithm), SecretBytes()};
  if (type == "symmetric") {
    if (encoding != "RAW") throw ConfigError(where + ": symmetric keys use encoding RAW");
    spec.material = decode_secret(material, where);
    return spec;
  }
  if (type != "public" && type != "private") {
    throw ConfigError(where + ".type must be symmetric, public or private");
  }
  const bool is_private = type == "private";
  if (encoding != "DER" && encoding != "PEM") {
    throw ConfigError(where + ": RSA keys use encoding DER or PEM");
  }
  const SecretBytes encoded =
      encoding == "DER" ? decode_secret(material, where) : pem_text(material, where);
  try {
    if (encoding == "DER") {
      if (is_private) {
        spec.material = RsaPrivateKey::from_der(encoded.expose_secret());
      } else {
        spec.material = RsaPublicKey::from_der(encoded.expose_secret());
      }
    } else if (is_private) {
      spec.material = RsaPrivateKey::from_pem(as_text(encoded));
    } else {
      spec.material = RsaPublicKey::from_pem(as_text(encoded));
    }
  } catch (const Error& e) {
    throw ConfigError(where + ": " + e.what());
  }
  return spec;
}

std::shared_ptr<const MaterialsProvider> make_provider(std::string_view kind, const KeyRoles& keys,
                                                       const MaterialDescription& description) {
  if (kind == "static") return make_static(keys, description);
  if (kind == "wrapped") return make_wrapped(keys, description);
  throw ConfigError("unsupported materials provider \"" + std::string(kind.substr(0, 40)) +
                    "\" (expected static or wrapped)");
}

}  // namespace internal

namespace {

// Nesting of most-recent providers (meta_materials) allowed in one file.
constexpr int kMaxMaterialsDepth = 4;

std::string shorten(std::string_view text) { return std::string(text.substr(0, 40)); }

void check_fields(simdjson::dom::object object, std::initializer_list<std::string_view> allowed,
                  const std::string& where) {
  for (auto [name, value] : object) {
    bool known = false;
    for (std::string_view a : allowed) known = known || name == a;
    if (!known) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw ConfigError(where + " has an unknown field \"" + shorten(name) + "\" (expected " +
                        list + ")");
    }
  }
}

std::map<std::string, std::string> string_map(simdjson::dom::element object, const char* name,
                                              const std::string& where) {
  std::map<std::string, std::string> out;
  simdjson::dom::element value;
  if (object[name].get(value) != simdjson::SUCCESS) return out;
  simdjson::dom::object entries;
  if (value.get_object().get(entries) != simdjson::SUCCESS) {
    throw ConfigError(where + "." + name + " must be an object of strings");
  }
  for (auto [key, entry] : entries) {
    std::string_view text;
    if (entry.get_string().get(text) != simdjson::SUCCESS) {
      throw ConfigError(where + "." + name + " values must be strings");
    }
    out.insert_or_assign(std::string(key), std::string(text));
  }
  return out;
}

std::optional<double> number_member(simdjson::dom::element object, const char* name,
                                    const std::string& where) {
  simdjson::dom::element value;
  if (object[name].get(value) != simdjson::SUCCESS) return std::nullopt;
  double number = 0;
  if (value.get_double().get(number) != simdjson::SUCCESS) {
    throw ConfigError(where + "." + name + " must be a number");
  }
  return number;
}

// A duration in seconds, between 0 and `max`.
std::optional<std::chrono::steady_clock::duration> seconds_member(simdjson::dom::element object,
                                                                  const char* name,
                                                                  const std::string& where) {
  constexpr double kMaxSeconds = 1e9;
  const auto n = number_member(object, name, where);
  if (!n) return std::nullopt;
  if (!(*n >= 0 && *n <= kMaxSeconds)) {
    throw ConfigError(where + "." + name + " must be a number of seconds from 0 to 1e9");
  }
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(*n));
}

// A whole number from 1 to 1e9.
std::optional<std::size_t> count_member(simdjson::dom::element object, const char* name,
                                        const std::string& where) {
  const auto n = number_member(object, name, where);
  if (!n) return std::nullopt;
  if (!(*n >= 1 && *n <= 1e9) || *n != static_cast<double>(static_cast<std::size_t>(*n))) {
    throw ConfigError(where + "." + name + " must be a whole number from 1 to 1e9");
  }
  return static_cast<std::size_t>(*n);
}

std::shared_ptr<const MaterialsProvider> from_element(simdjson::dom::element root,
                                                      const std::string& where, int depth,
                                                      const MaterialsFileOptions& options);

std::shared_ptr<const MaterialsProvider> keyed_from(simdjson::dom::element root,
                                                    std::string_view kind,
                                                    const std::string& where) {
  check_fields(root.get_object(), {"provider", "keys", "description"}, where);
  internal::KeyRoles keys;
  simdjson::dom::object key_object;
  if (root["keys"].get_object().get(key_object) != simdjson::SUCCESS) {
    throw ConfigError(where + ".keys must be an object");
  }
  for (auto [role, key] : key_object) {
    const std::string key_where = (where == "materials" ? "" : where + ".") + "keys." +
                                  std::string(role);
    if (role == "encrypt") {
      keys.encrypt = internal::parse_key_spec(key, key_where);
    } else if (role == "decrypt") {
      keys.decrypt = internal::parse_key_spec(key, key_where);
    } else if (role == "sign") {
      keys.sign = internal::parse_key_spec(key, key_where);
    } else if (role == "verify") {
      keys.verify = internal::parse_key_spec(key, key_where);
    } else {
      throw ConfigError(where + ".keys has an unknown role (expected encrypt, decrypt, sign, "
                        "verify)");
    }
  }
  return internal::make_provider(kind, keys, string_map(root, "description", where));
}

std::shared_ptr<const MaterialsProvider> aws_kms_from(simdjson::dom::element root,
                                                      const std::string& where,
                                                      const MaterialsFileOptions& options) {
  check_fields(root.get_object(),
               {"provider", "key_id", "context", "description", "grant_tokens", "pin_key_id",
                "decrypt_cache"},
               where);
  DirectKmsOptions o;
  o.key_id = std::string(internal::string_member(root, "key_id", where));
  if (o.key_id.empty()) throw ConfigError(where + ".key_id must not be empty");
  o.extra_encryption_context = string_map(root, "context", where);
  o.description = string_map(root, "description", where);
  simdjson::dom::element tokens;
  if (root["grant_tokens"].get(tokens) == simdjson::SUCCESS) {
    simdjson::dom::array list;
    if (tokens.get_array().get(list) != simdjson::SUCCESS) {
      throw ConfigError(where + ".grant_tokens must be an array of strings");
    }
    for (simdjson::dom::element token : list) {
      std::string_view text;
      if (token.get_string().get(text) != simdjson::SUCCESS) {
        throw ConfigError(where + ".grant_tokens must be an array of strings");
      }
      o.grant_tokens.emplace_back(text);
    }
  }
  simdjson::dom::element pin;
  if (root["pin_key_id"].get(pin) == simdjson::SUCCESS) {
    bool pinned = true;
    if (pin.get_bool().get(pinned) != simdjson::SUCCESS) {
      throw ConfigError(where + ".pin_key_id must be true or false");
    }
    o.pinning = pinned ? KmsKeyPinning::kConfiguredKey : KmsKeyPinning::kNone;
  }
  simdjson::dom::element cache;
  if (root["decrypt_cache"].get(cache) == simdjson::SUCCESS) {
    const std::string cache_where = where + ".decrypt_cache";
    if (!cache.is_object()) throw ConfigError(cache_where + " must be an object");
    check_fields(cache.get_object(), {"max_entries", "max_age_seconds"}, cache_where);
    KmsDataKeyCacheLimits limits;
    if (const auto n = count_member(cache, "max_entries", cache_where)) limits.max_entries = *n;
    if (const auto age = seconds_member(cache, "max_age_seconds", cache_where)) {
      limits.max_age = *age;
    }
    o.decryption_cache = limits;
  }
  const auto kms = options.kms_client
                       ? options.kms_client
                       : [](const std::string& region) {
                           aws::ClientConfig config;
                           if (!region.empty()) config.region = region;
                           return aws::make_kms_client(std::move(config));
                         };
  try {
    // An ARN names its key's region, which picks the client; other key ids use the default
    // region of the usual sources (AWS_REGION, the profile, ...).
    if (o.key_id.starts_with("arn:")) {
      o.kms_for_region = kms;
    } else {
      o.kms = kms("");
    }
    return DirectKmsMaterialsProvider::create(std::move(o));
  } catch (const ConfigError& e) {
    throw ConfigError(where + ": " + e.what());
  }
}

std::shared_ptr<const MaterialsProvider> most_recent_from(simdjson::dom::element root,
                                                          const std::string& where, int depth,
                                                          const MaterialsFileOptions& options) {
  check_fields(root.get_object(),
               {"provider", "meta_table", "material_name", "ttl_seconds", "cache_entries",
                "meta_materials"},
               where);
  const std::string table(internal::string_member(root, "meta_table", where));
  const std::string name(internal::string_member(root, "material_name", where));
  MostRecentOptions o;
  if (const auto ttl = seconds_member(root, "ttl_seconds", where)) o.version_ttl = *ttl;
  if (const auto n = count_member(root, "cache_entries", where)) o.cache_entries = *n;
  simdjson::dom::element meta;
  if (root["meta_materials"].get(meta) != simdjson::SUCCESS) {
    throw ConfigError(where + ".meta_materials must be a materials object (the provider that "
                      "protects the meta table's items)");
  }
  if (depth >= kMaxMaterialsDepth) {
    throw ConfigError(where + ".meta_materials nests most-recent providers too deeply");
  }
  std::shared_ptr<const MaterialsProvider> meta_provider =
      from_element(meta, where + ".meta_materials", depth + 1, options);
  try {
    const std::shared_ptr<const aws::DynamoDbClient> dynamodb =
        options.dynamodb_client ? options.dynamodb_client() : aws::make_dynamodb_client();
    return MostRecentProvider::create(
        DynamoDbMetaStore::create(dynamodb, table, std::move(meta_provider)), name, o);
  } catch (const ConfigError& e) {
    throw ConfigError(where + ": " + e.what());
  }
}

std::shared_ptr<const MaterialsProvider> from_element(simdjson::dom::element root,
                                                      const std::string& where, int depth,
                                                      const MaterialsFileOptions& options) {
  if (!root.is_object()) throw ConfigError(where + " must be a JSON object");
  const std::string_view kind = internal::string_member(root, "provider", where);
  if (kind == "static" || kind == "wrapped") return keyed_from(root, kind, where);
  if (kind == "aws-kms") return aws_kms_from(root, where, options);
  if (kind == "most-recent") return most_recent_from(root, where, depth, options);
  throw ConfigError(where + ".provider \"" + shorten(kind) +
                    "\" is not supported (expected static, wrapped, aws-kms or most-recent)");
}

}  // namespace

std::shared_ptr<const MaterialsProvider> materials_from_json(std::string_view json,
                                                             const MaterialsFileOptions& options) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    throw ConfigError("materials file is not a JSON object");
  }
  return from_element(root, "materials", 0, options);
}

namespace {

void append_key(std::string& out, std::string_view role, std::string_view type,
                std::string_view algorithm, std::string_view encoding, ByteView material) {
  out += "    ";
  append_json_string(out, role);
  out += ": {\"type\": ";
  append_json_string(out, type);
  out += ", \"algorithm\": ";
  append_json_string(out, algorithm);
  out += ", \"encoding\": ";
  append_json_string(out, encoding);
  out += ", \"material\": \"";
  out += base64_encode(material);
  out += "\"}";
}

}  // namespace

std::string generate_materials_json(std::string_view kind) {
  std::string out = "{\n  \"provider\": ";
  if (kind == "static" || kind == "wrapped-aes") {
    const SecretBytes aes = SecretBytes::random(32);
    const SecretBytes mac = SecretBytes::random(32);
    out += kind == "static" ? "\"static\"" : "\"wrapped\"";
    out += ",\n  \"keys\": {\n";
    append_key(out, "decrypt", "symmetric", "AES", "RAW", aes.expose_secret());
    out += ",\n";
    append_key(out, "verify", "symmetric", "HmacSHA256", "RAW", mac.expose_secret());
  } else if (kind == "wrapped-rsa") {
    const RsaPrivateKey wrap = RsaPrivateKey::generate(3072);
    const RsaPrivateKey sign = RsaPrivateKey::generate(3072);
    out += "\"wrapped\",\n  \"keys\": {\n";
    append_key(out, "encrypt", "public", "RSA", "DER", wrap.public_key().to_der());
    out += ",\n";
    append_key(out, "decrypt", "private", "RSA", "DER", wrap.to_der().expose_secret());
    out += ",\n";
    append_key(out, "sign", "private", "SHA256withRSA", "DER", sign.to_der().expose_secret());
    out += ",\n";
    append_key(out, "verify", "public", "SHA256withRSA", "DER", sign.public_key().to_der());
  } else {
    throw ConfigError("unknown materials kind \"" + std::string(kind.substr(0, 40)) +
                      "\" (expected static, wrapped-aes or wrapped-rsa)");
  }
  out += "\n  }\n}\n";
  return out;
}

}  // namespace ddbcrypt
