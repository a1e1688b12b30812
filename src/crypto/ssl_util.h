// Internal OpenSSL helpers: RAII ownership of every handle and error-queue draining.
#pragma once

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>
#include <string>

#include "ddbcrypt/crypto/keys.h"

namespace ddbcrypt::internal {

template <auto Free>
struct FreeWith {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, FreeWith<&EVP_CIPHER_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, FreeWith<&EVP_MD_CTX_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, FreeWith<&EVP_PKEY_CTX_free>>;
using Pkey = std::unique_ptr<EVP_PKEY, FreeWith<&EVP_PKEY_free>>;
using MacCtx = std::unique_ptr<EVP_MAC_CTX, FreeWith<&EVP_MAC_CTX_free>>;
using KdfCtx = std::unique_ptr<EVP_KDF_CTX, FreeWith<&EVP_KDF_CTX_free>>;

// Empties OpenSSL's thread-local error queue and returns its entries as text, so that a stale
// error never surfaces on a later, unrelated call.
std::string drain_openssl_errors();

// EVP_MD for a hash (fetched once per process).
const EVP_MD* md_for(HashAlgorithm hash);

}  // namespace ddbcrypt::internal

namespace ddbcrypt::detail {
// Owns the EVP_PKEY behind RsaPublicKey / RsaPrivateKey.
struct RsaHandle {
  internal::Pkey pkey;
  bool is_private = false;
};
}  // namespace ddbcrypt::detail
