// Materials files and key specs (ddbcrypt/materials/materials_file.h).
#include "ddbcrypt/materials/materials_file.h"

#include <simdjson.h>

#include <utility>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
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

std::shared_ptr<const MaterialsProvider> materials_from_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    throw ConfigError("materials file is not a JSON object");
  }
  const std::string_view kind = internal::string_member(root, "provider", "materials");
  internal::KeyRoles keys;
  simdjson::dom::object key_object;
  if (root["keys"].get_object().get(key_object) != simdjson::SUCCESS) {
    throw ConfigError("materials.keys must be an object");
  }
  for (auto [role, key] : key_object) {
    const std::string where = "keys." + std::string(role);
    if (role == "encrypt") {
      keys.encrypt = internal::parse_key_spec(key, where);
    } else if (role == "decrypt") {
      keys.decrypt = internal::parse_key_spec(key, where);
    } else if (role == "sign") {
      keys.sign = internal::parse_key_spec(key, where);
    } else if (role == "verify") {
      keys.verify = internal::parse_key_spec(key, where);
    } else {
      throw ConfigError("materials.keys has an unknown role (expected encrypt, decrypt, sign, "
                        "verify)");
    }
  }
  MaterialDescription description;
  simdjson::dom::element description_json;
  if (root["description"].get(description_json) == simdjson::SUCCESS) {
    simdjson::dom::object entries;
    if (description_json.get_object().get(entries) != simdjson::SUCCESS) {
      throw ConfigError("materials.description must be an object of strings");
    }
    for (auto [name, value] : entries) {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) {
        throw ConfigError("materials.description values must be strings");
      }
      description.insert_or_assign(std::string(name), std::string(text));
    }
  }
  for (auto [name, value] : root.get_object()) {
    if (name != "provider" && name != "keys" && name != "description") {
      throw ConfigError("materials file has an unknown field \"" +
                        std::string(name.substr(0, 40)) + "\"");
    }
  }
  return internal::make_provider(kind, keys, description);
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
