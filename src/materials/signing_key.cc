// SigningKey: the item signature key of the legacy format (spec §8.2).
#include <optional>
#include <utility>
#include <variant>

#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/materials/materials_provider.h"
#include "legacy/algorithms.h"

namespace ddbcrypt {

struct SigningKey::Impl {
  std::variant<HmacKey, RsaPrivateKey, RsaPublicKey> key;
  std::optional<RsaPublicKey> public_key;  // RSA only
  HashAlgorithm hash;
};

SigningKey SigningKey::hmac(HmacKey key) {
  const HashAlgorithm hash = key.hash();
  auto name = internal::legacy::signing_algorithm_name({false, hash});
  return SigningKey(std::make_shared<const Impl>(Impl{std::move(key), std::nullopt, hash}),
                    std::move(name));
}

SigningKey SigningKey::rsa(HashAlgorithm hash, RsaPrivateKey key) {
  auto name = internal::legacy::signing_algorithm_name({true, hash});
  RsaPublicKey public_key = key.public_key();
  return SigningKey(
      std::make_shared<const Impl>(Impl{std::move(key), std::move(public_key), hash}),
      std::move(name));
}

SigningKey SigningKey::rsa_verify_only(HashAlgorithm hash, RsaPublicKey key) {
  auto name = internal::legacy::signing_algorithm_name({true, hash});
  RsaPublicKey public_key = key;
  return SigningKey(
      std::make_shared<const Impl>(Impl{std::move(key), std::move(public_key), hash}),
      std::move(name));
}

bool SigningKey::is_rsa() const noexcept { return impl_->public_key.has_value(); }

bool SigningKey::can_sign() const noexcept {
  return !std::holds_alternative<RsaPublicKey>(impl_->key);
}

Bytes SigningKey::sign(ByteView string_to_sign) const {
  if (const auto* key = std::get_if<HmacKey>(&impl_->key)) {
    return ddbcrypt::hmac(*key, string_to_sign);
  }
  if (const auto* key = std::get_if<RsaPrivateKey>(&impl_->key)) {
    return rsa_sign(*key, impl_->hash, string_to_sign);
  }
  throw ConfigError("the " + algorithm_ + " key can only verify: no private key to sign with");
}

bool SigningKey::verify(ByteView string_to_sign, ByteView signature,
                        const std::string* described_algorithm) const {
  if (const auto* key = std::get_if<HmacKey>(&impl_->key)) {
    // The reference libraries verify an HMAC with the configured key's algorithm whatever the
    // (unsigned) description says.
    return hmac_verify(*key, string_to_sign, signature);
  }
  // Java picks the RSA hash from the description, Python from the configured key; honouring
  // a described RSA algorithm reads both (spec §8.2). Only the four RSA names are taken, so
  // an attacker editing the description cannot switch the key to another scheme.
  HashAlgorithm hash = impl_->hash;
  if (described_algorithm != nullptr) {
    if (const auto described = internal::legacy::find_signing_algorithm(*described_algorithm);
        described && described->rsa) {
      hash = described->hash;
    }
  }
  return rsa_verify(*impl_->public_key, hash, string_to_sign, signature);
}

}  // namespace ddbcrypt
