// WrappedMaterialsProvider (spec §12.2): a fresh content key per item, wrapped with AES key
// wrap or RSA and stored in the item's material description.
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/materials/materials_provider.h"
#include "legacy/algorithms.h"
#include "legacy/format.h"
#include "materials/wrapping_key.h"

namespace ddbcrypt {

namespace lf = internal::legacy;

WrappingKey WrappingKey::aes(AesKey key) {
  return WrappingKey(std::make_shared<const Impl>(Impl{std::move(key)}));
}
WrappingKey WrappingKey::rsa(RsaPublicKey key) {
  return WrappingKey(std::make_shared<const Impl>(Impl{std::move(key)}));
}
bool WrappingKey::is_rsa() const noexcept {
  return std::holds_alternative<RsaPublicKey>(impl_->key);
}
std::string_view WrappingKey::algorithm() const noexcept { return is_rsa() ? "RSA" : "AES"; }

UnwrappingKey UnwrappingKey::aes(AesKey key) {
  return UnwrappingKey(std::make_shared<const Impl>(Impl{std::move(key)}));
}
UnwrappingKey UnwrappingKey::rsa(RsaPrivateKey key) {
  return UnwrappingKey(std::make_shared<const Impl>(Impl{std::move(key)}));
}
bool UnwrappingKey::is_rsa() const noexcept {
  return std::holds_alternative<RsaPrivateKey>(impl_->key);
}
std::string_view UnwrappingKey::algorithm() const noexcept { return is_rsa() ? "RSA" : "AES"; }

namespace {

const std::string* find_entry(const MaterialDescription& description, std::string_view key) {
  const auto it = description.find(std::string(key));
  return it == description.end() ? nullptr : &it->second;
}

// The transformation a wrapping key uses when the description names none (spec §12.2 step 2).
lf::WrapAlgorithm default_wrap_algorithm(bool rsa) {
  return rsa ? lf::WrapAlgorithm{lf::WrapKind::kRsaOaep, HashAlgorithm::kSha256}
             : lf::WrapAlgorithm{lf::WrapKind::kAesWrap, HashAlgorithm::kSha256};
}

bool fits(lf::WrapAlgorithm algorithm, bool rsa_key) {
  return (algorithm.kind == lf::WrapKind::kAesWrap) != rsa_key;
}

struct EncryptSettings {
  std::size_t content_key_size;
  std::string content_key_description;
  lf::WrapAlgorithm wrap;
};

// ConfigError for anything unusable; `rsa_key` is the wrapping key's kind when known.
EncryptSettings encrypt_settings(const MaterialDescription& description,
                                 std::optional<bool> rsa_key) {
  EncryptSettings s{32, std::string(lf::kDefaultContentKeyAlgorithm), {}};
  if (const std::string* alg = find_entry(description, lf::kContentKeyAlgorithmKey)) {
    s.content_key_description = *alg;
    // Python and Java both default to a 256-bit content key when no size is named.
    s.content_key_size = lf::parse_content_key_description(*alg).value_or(32);
  }
  if (const std::string* wrap = find_entry(description, lf::kWrapAlgorithmKey)) {
    s.wrap = lf::parse_wrap_algorithm(*wrap);
    if (rsa_key && !fits(s.wrap, *rsa_key)) {
      throw ConfigError("the wrap algorithm " + *wrap + " does not fit the " +
                        (*rsa_key ? "RSA" : "AES") + " wrapping key");
    }
  } else if (rsa_key) {
    s.wrap = default_wrap_algorithm(*rsa_key);
  }
  return s;
}

Bytes wrap(const WrappingKey& key, lf::WrapAlgorithm algorithm, const SecretBytes& content_key) {
  const auto& material = key.impl().key;
  switch (algorithm.kind) {
    case lf::WrapKind::kAesWrap:
      return aes_key_wrap(std::get<AesKey>(material), content_key);
    case lf::WrapKind::kRsaOaep:
      // MGF1 is SHA-1 whatever the OAEP hash: the SunJCE default both libraries use.
      return rsa_oaep_encrypt(std::get<RsaPublicKey>(material), algorithm.oaep_hash,
                              HashAlgorithm::kSha1, content_key);
    case lf::WrapKind::kRsaPkcs1:
      return rsa_pkcs1_encrypt(std::get<RsaPublicKey>(material), content_key);
  }
  throw ConfigError("unknown wrap algorithm");
}

SecretBytes unwrap(const UnwrappingKey& key, lf::WrapAlgorithm algorithm, ByteView wrapped) {
  const auto& material = key.impl().key;
  switch (algorithm.kind) {
    case lf::WrapKind::kAesWrap:
      return aes_key_unwrap(std::get<AesKey>(material), wrapped);
    case lf::WrapKind::kRsaOaep:
      return rsa_oaep_decrypt(std::get<RsaPrivateKey>(material), algorithm.oaep_hash,
                              HashAlgorithm::kSha1, wrapped);
    case lf::WrapKind::kRsaPkcs1:
      return rsa_pkcs1_decrypt(std::get<RsaPrivateKey>(material), wrapped);
  }
  throw DecryptionError("unknown wrap algorithm");
}

}  // namespace

std::unique_ptr<WrappedMaterialsProvider> WrappedMaterialsProvider::create(WrappedMaterials m) {
  if (!m.signing_key) throw ConfigError("wrapped materials need a signing key (HMAC or RSA)");
  if (!m.wrapping_key && !m.unwrapping_key) {
    throw ConfigError("wrapped materials need a wrapping key, an unwrapping key or both");
  }
  (void)encrypt_settings(m.description, m.wrapping_key
                                            ? std::optional<bool>(m.wrapping_key->is_rsa())
                                            : std::nullopt);
  return std::unique_ptr<WrappedMaterialsProvider>(new WrappedMaterialsProvider(std::move(m)));
}

EncryptionMaterials WrappedMaterialsProvider::encryption_materials(
    const EncryptionContext& context) const {
  if (!materials_.wrapping_key) {
    throw ConfigError("these wrapped materials have no wrapping key: they can only decrypt");
  }
  if (!materials_.signing_key->can_sign()) {
    throw ConfigError("these wrapped materials hold only a public " +
                      materials_.signing_key->algorithm() + " key: they cannot sign");
  }
  // As in Python, entries of the context's description (normally none) override the base.
  MaterialDescription description = materials_.description;
  for (const auto& [key, value] : context.material_description) description.insert_or_assign(key, value);
  const EncryptSettings settings = encrypt_settings(description, materials_.wrapping_key->is_rsa());

  SecretBytes content_key = SecretBytes::random(settings.content_key_size);
  const Bytes wrapped = wrap(*materials_.wrapping_key, settings.wrap, content_key);
  description.insert_or_assign(std::string(lf::kEnvelopeKeyKey), base64_encode(wrapped));
  description.insert_or_assign(std::string(lf::kContentKeyAlgorithmKey),
                               settings.content_key_description);
  description.insert_or_assign(std::string(lf::kWrapAlgorithmKey),
                               lf::wrap_algorithm_name(settings.wrap));
  return EncryptionMaterials{std::move(description),
                             std::make_shared<const AesKey>(AesKey::create(std::move(content_key))),
                             *materials_.signing_key};
}

DecryptionMaterials WrappedMaterialsProvider::decryption_materials(
    const EncryptionContext& context) const {
  if (!materials_.unwrapping_key) {
    throw ConfigError("these wrapped materials have no unwrapping key: they can only encrypt");
  }
  const UnwrappingKey& key = *materials_.unwrapping_key;
  const MaterialDescription& description = context.material_description;
  // Everything below comes from the item's unsigned description: failures are the item's,
  // so they are DecryptionErrors, not configuration errors.
  lf::WrapAlgorithm algorithm{};
  if (const std::string* name = find_entry(description, lf::kWrapAlgorithmKey)) {
    try {
      algorithm = lf::parse_wrap_algorithm(*name);
    } catch (const ConfigError& e) {
      throw DecryptionError(std::string("item's material description: ") + e.what());
    }
  } else if (key.is_rsa()) {
    // Early Java data has no wrap-alg: the unwrapping key's own name, "RSA", then means
    // RSA/ECB/PKCS1Padding (spec §12.2, D4).
    algorithm = lf::WrapAlgorithm{lf::WrapKind::kRsaPkcs1, HashAlgorithm::kSha256};
  } else {
    throw DecryptionError(
        "item's material description has no amzn-ddb-wrap-alg, which an AES unwrapping key "
        "needs");
  }
  if (!fits(algorithm, key.is_rsa())) {
    throw DecryptionError("item's content key is wrapped with " +
                          lf::wrap_algorithm_name(algorithm) + ", which the " +
                          std::string(key.algorithm()) + " unwrapping key cannot unwrap");
  }
  if (const std::string* alg = find_entry(description, lf::kContentKeyAlgorithmKey)) {
    try {
      // Only the algorithm matters: the key length is whatever was wrapped.
      (void)lf::parse_content_key_description(*alg);
    } catch (const ConfigError& e) {
      throw DecryptionError(std::string("item's material description: ") + e.what());
    }
  }
  const std::string* envelope = find_entry(description, lf::kEnvelopeKeyKey);
  if (envelope == nullptr) {
    throw DecryptionError("item's material description has no amzn-ddb-env-key (wrapped key)");
  }
  Bytes wrapped;
  try {
    // Both reference libraries decode the wrapped key leniently.
    wrapped = base64_decode_lenient(*envelope);
  } catch (const FormatError&) {
    throw DecryptionError("item's amzn-ddb-env-key is not base64");
  }
  SecretBytes content_key = unwrap(key, algorithm, wrapped);
  std::shared_ptr<const AesKey> decryption_key;
  try {
    decryption_key = std::make_shared<const AesKey>(AesKey::create(std::move(content_key)));
  } catch (const ConfigError&) {
    throw DecryptionError("unwrapped content key has an invalid size for AES");
  }
  return DecryptionMaterials{std::move(decryption_key), *materials_.signing_key};
}

}  // namespace ddbcrypt
