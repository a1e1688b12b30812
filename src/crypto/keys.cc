#include "ddbcrypt/crypto/keys.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <utility>

#include "crypto/ssl_util.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

using DecoderCtx = std::unique_ptr<OSSL_DECODER_CTX, internal::FreeWith<&OSSL_DECODER_CTX_free>>;
using EncoderCtx = std::unique_ptr<OSSL_ENCODER_CTX, internal::FreeWith<&OSSL_ENCODER_CTX_free>>;

bool is_valid_aes_size(std::size_t size) { return size == 16 || size == 24 || size == 32; }

// One key of `selection` read from `data`, or nullptr if `data` is not such a key. The
// decoder tries several formats and leaves entries for each one that did not match; the mark
// discards them. With `whole_input`, bytes left after the key make the input invalid, so a
// truncated or concatenated blob is not silently accepted.
internal::Pkey decode_key(ByteView data, const char* input_type, const char* structure,
                          int selection, bool whole_input) {
  const internal::ErrorMark mark;
  if (data.empty()) return nullptr;
  EVP_PKEY* raw = nullptr;
  const DecoderCtx ctx(OSSL_DECODER_CTX_new_for_pkey(&raw, input_type, structure, nullptr,
                                                     selection, nullptr, nullptr));
  if (!ctx) return nullptr;
  const unsigned char* cursor = data.data();
  std::size_t left = data.size();
  const int ok = OSSL_DECODER_from_data(ctx.get(), &cursor, &left);
  internal::Pkey pkey(raw);
  if (ok != 1 || (whole_input && left != 0)) return nullptr;
  return pkey;
}

void require_rsa(const internal::Pkey& pkey, const char* role) {
  if (EVP_PKEY_is_a(pkey.get(), "RSA") == 1) return;
  const char* type = EVP_PKEY_get0_type_name(pkey.get());
  throw ConfigError(std::string("the ") + role + " is a" +
                    (type != nullptr ? std::string(" ") + type : std::string("nother type of")) +
                    " key, not an RSA key");
}

bool looks_encrypted(std::string_view pem) {
  return pem.find("ENCRYPTED") != std::string_view::npos;
}

std::shared_ptr<const detail::RsaHandle> make_handle(internal::Pkey pkey, bool is_private) {
  auto handle = std::make_shared<detail::RsaHandle>();
  handle->pkey = std::move(pkey);
  handle->is_private = is_private;
  return handle;
}

// Encodes the private key of `pkey`; the temporary buffer OpenSSL allocates is wiped.
SecretBytes encode_private(const EVP_PKEY* pkey, const char* output_type) {
  const EncoderCtx ctx(OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_KEYPAIR, output_type,
                                                     "PrivateKeyInfo", nullptr));
  unsigned char* data = nullptr;
  std::size_t size = 0;
  if (!ctx || OSSL_ENCODER_CTX_get_num_encoders(ctx.get()) == 0 ||
      OSSL_ENCODER_to_data(ctx.get(), &data, &size) != 1) {
    internal::throw_openssl_error<ConfigError>("cannot encode the RSA private key");
  }
  SecretBytes out = SecretBytes::copy_of({data, size});
  OPENSSL_clear_free(data, size);
  return out;
}

Bytes encode_public_der(const EVP_PKEY* pkey) {
  unsigned char* data = nullptr;
  const int size = i2d_PUBKEY(pkey, &data);
  if (size <= 0) internal::throw_openssl_error<ConfigError>("cannot encode the RSA public key");
  Bytes der(data, data + size);
  OPENSSL_free(data);
  return der;
}

std::size_t key_bits(const detail::RsaHandle& handle) noexcept {
  const int bits = EVP_PKEY_get_bits(handle.pkey.get());
  return bits > 0 ? static_cast<std::size_t>(bits) : 0;
}

}  // namespace

std::size_t digest_size(HashAlgorithm hash) noexcept {
  switch (hash) {
    case HashAlgorithm::kSha1:
      return 20;
    case HashAlgorithm::kSha224:
      return 28;
    case HashAlgorithm::kSha256:
      return 32;
    case HashAlgorithm::kSha384:
      return 48;
    case HashAlgorithm::kSha512:
      return 64;
  }
  return 0;
}

std::string_view hash_name(HashAlgorithm hash) noexcept {
  switch (hash) {
    case HashAlgorithm::kSha1:
      return "SHA-1";
    case HashAlgorithm::kSha224:
      return "SHA-224";
    case HashAlgorithm::kSha256:
      return "SHA-256";
    case HashAlgorithm::kSha384:
      return "SHA-384";
    case HashAlgorithm::kSha512:
      return "SHA-512";
  }
  return "unknown";
}

AesKey AesKey::create(SecretBytes key) {
  if (!is_valid_aes_size(key.size())) {
    throw ConfigError("an AES key must be 16, 24 or 32 bytes, got " +
                      std::to_string(key.size()));
  }
  return AesKey(std::move(key));
}

AesKey AesKey::generate(std::size_t size_bytes) {
  if (!is_valid_aes_size(size_bytes)) {
    throw ConfigError("an AES key must be 16, 24 or 32 bytes, asked for " +
                      std::to_string(size_bytes));
  }
  return AesKey(SecretBytes::random(size_bytes));
}

HmacKey HmacKey::create(HashAlgorithm hash, SecretBytes key) {
  if (!internal::is_known_hash(hash)) {
    throw ConfigError("unknown HMAC hash algorithm (value " +
                      std::to_string(static_cast<unsigned>(hash)) + ")");
  }
  if (hash == HashAlgorithm::kSha1) {
    throw ConfigError("HMAC-SHA-1 is not supported; use SHA-224, SHA-256, SHA-384 or SHA-512");
  }
  if (key.empty()) throw ConfigError("an HMAC key must not be empty");

  static EVP_MAC* const kHmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (kHmac == nullptr) {
    internal::throw_openssl_error<ConfigError>("the loaded OpenSSL providers do not offer HMAC");
  }
  auto handle = std::make_shared<detail::HmacHandle>();
  handle->keyed.reset(EVP_MAC_CTX_new(kHmac));
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                       const_cast<char*>(internal::md_name(hash)), 0),
      OSSL_PARAM_construct_end(),
  };
  if (!handle->keyed || EVP_MAC_init(handle->keyed.get(), key.expose_secret().data(),
                                     key.size(), params) != 1) {
    internal::throw_openssl_error<ConfigError>("cannot set up the HMAC key");
  }
  return HmacKey(hash, std::move(key), std::move(handle));
}

HmacKey HmacKey::generate(HashAlgorithm hash, std::size_t size_bytes) {
  if (size_bytes == 0) throw ConfigError("an HMAC key must not be empty");
  return create(hash, SecretBytes::random(size_bytes));
}

RsaPublicKey RsaPublicKey::from_der(ByteView der) {
  internal::Pkey pkey =
      decode_key(der, "DER", "SubjectPublicKeyInfo", EVP_PKEY_PUBLIC_KEY, /*whole_input=*/true);
  if (!pkey) {
    throw ConfigError(
        "the public key is not a single DER-encoded X.509 SubjectPublicKeyInfo structure");
  }
  require_rsa(pkey, "public key");
  return RsaPublicKey(make_handle(std::move(pkey), false));
}

RsaPublicKey RsaPublicKey::from_pem(std::string_view pem) {
  // The selection makes the decoder refuse private-key PEM blocks instead of deriving a
  // public key from them: a private key given where a public one is expected is a mistake
  // the caller should hear about.
  internal::Pkey pkey =
      decode_key(as_bytes(pem), "PEM", nullptr, EVP_PKEY_PUBLIC_KEY, /*whole_input=*/false);
  if (!pkey) {
    throw ConfigError(
        "the public key is not PEM-encoded (expected \"-----BEGIN PUBLIC KEY-----\" or "
        "\"-----BEGIN RSA PUBLIC KEY-----\")");
  }
  require_rsa(pkey, "public key");
  return RsaPublicKey(make_handle(std::move(pkey), false));
}

std::size_t RsaPublicKey::modulus_bits() const noexcept { return key_bits(*handle_); }

Bytes RsaPublicKey::to_der() const { return encode_public_der(handle_->pkey.get()); }

std::string RsaPublicKey::to_pem() const {
  const internal::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), handle_->pkey.get()) != 1) {
    internal::throw_openssl_error<ConfigError>("cannot encode the RSA public key");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

RsaPrivateKey RsaPrivateKey::from_der(ByteView pkcs8_der) {
  internal::Pkey pkey =
      decode_key(pkcs8_der, "DER", "PrivateKeyInfo", EVP_PKEY_KEYPAIR, /*whole_input=*/true);
  if (!pkey) {
    throw ConfigError(
        "the private key is not a single unencrypted DER-encoded PKCS#8 structure");
  }
  require_rsa(pkey, "private key");
  return RsaPrivateKey(make_handle(std::move(pkey), true));
}

RsaPrivateKey RsaPrivateKey::from_pem(std::string_view pem) {
  // No passphrase callback is installed, so an encrypted key fails here instead of prompting
  // on a terminal.
  internal::Pkey pkey =
      decode_key(as_bytes(pem), "PEM", nullptr, EVP_PKEY_KEYPAIR, /*whole_input=*/false);
  if (!pkey) {
    if (looks_encrypted(pem)) {
      throw ConfigError(
          "the private key PEM is encrypted; decrypt it first (e.g. `openssl pkey -in "
          "key.pem -out plain.pem`)");
    }
    throw ConfigError(
        "the private key is not PEM-encoded (expected \"-----BEGIN PRIVATE KEY-----\" or "
        "\"-----BEGIN RSA PRIVATE KEY-----\")");
  }
  require_rsa(pkey, "private key");
  return RsaPrivateKey(make_handle(std::move(pkey), true));
}

RsaPrivateKey RsaPrivateKey::generate(std::size_t bits) {
  if (bits < 2048 || bits > 16384) {
    throw ConfigError("RSA keys must have 2048 to 16384 bits, asked for " +
                      std::to_string(bits));
  }
  internal::Pkey pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
  if (!pkey) internal::throw_openssl_error<EncryptionError>("RSA key generation failed");
  return RsaPrivateKey(make_handle(std::move(pkey), true));
}

std::size_t RsaPrivateKey::modulus_bits() const noexcept { return key_bits(*handle_); }

RsaPublicKey RsaPrivateKey::public_key() const {
  // Through the encoding, so the public key's handle holds no private component.
  return RsaPublicKey::from_der(encode_public_der(handle_->pkey.get()));
}

SecretBytes RsaPrivateKey::to_der() const { return encode_private(handle_->pkey.get(), "DER"); }

SecretBytes RsaPrivateKey::to_pem() const { return encode_private(handle_->pkey.get(), "PEM"); }

}  // namespace ddbcrypt
