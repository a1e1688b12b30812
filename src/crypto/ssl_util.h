// Internal OpenSSL plumbing shared by the crypto layer and the layers that call libcrypto
// directly (src/aws for SigV4, src/legacy): RAII ownership of every handle, the error-queue
// drain, cached algorithm fetches, and the handles behind the typed keys of
// ddbcrypt/crypto/keys.h.
//
// Ownership rule: every OpenSSL object is held by one of the unique_ptr aliases below from the
// moment it is created, so an exception can never leak it.
//
// Error rule: a failed OpenSSL call is reported with throw_openssl_error(), which empties the
// thread's error queue into the message, so a stale entry never surfaces on a later,
// unrelated call. Code that expects and handles a failure itself (decoders trying formats,
// authentication checks) clears the queue with ERR_clear_error() or brackets the attempt with
// ErrorMark instead.
//
// Thread-safety: the cached EVP_MD / EVP_CIPHER pointers are fetched once per process
// (function-local statics) and are immutable afterwards; the handles are not shared.
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <climits>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "ddbcrypt/crypto/keys.h"

namespace ddbcrypt::internal {

// A stateless deleter: `std::unique_ptr<T, FreeWith<&T_free>>` is as small as a raw pointer.
template <auto Free>
struct FreeWith {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using Bio = std::unique_ptr<BIO, FreeWith<&BIO_free>>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, FreeWith<&EVP_CIPHER_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, FreeWith<&EVP_MD_CTX_free>>;
using MacCtx = std::unique_ptr<EVP_MAC_CTX, FreeWith<&EVP_MAC_CTX_free>>;
using KdfCtx = std::unique_ptr<EVP_KDF_CTX, FreeWith<&EVP_KDF_CTX_free>>;
using Pkey = std::unique_ptr<EVP_PKEY, FreeWith<&EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, FreeWith<&EVP_PKEY_CTX_free>>;

// Empties OpenSSL's thread-local error queue and returns its entries as one line of text
// ("no detail from OpenSSL" when it was empty).
std::string drain_openssl_errors();

// Throws `E` with "<what>: <drained OpenSSL errors>".
template <class E>
[[noreturn]] void throw_openssl_error(std::string_view what) {
  std::string message(what);
  message += ": ";
  message += drain_openssl_errors();
  throw E(message);
}

// Brackets calls whose failures are expected and handled by the caller (e.g. trying a key
// format): entries they push are removed when the mark goes out of scope, while entries that
// were already queued stay.
class ErrorMark {
 public:
  ErrorMark() noexcept { ERR_set_mark(); }
  ~ErrorMark() { ERR_pop_to_mark(); }
  ErrorMark(const ErrorMark&) = delete;
  ErrorMark& operator=(const ErrorMark&) = delete;
};

// OpenSSL takes lengths as int in places; larger inputs are refused rather than truncated.
// Throws `E` naming `what`.
template <class E>
int checked_int(std::size_t size, std::string_view what) {
  if (size > static_cast<std::size_t>(INT_MAX)) {
    throw E(std::string(what) + " is too large (over 2 GiB)");
  }
  return static_cast<int>(size);
}

// True for the enumerators of HashAlgorithm (values read from the wire may be anything).
bool is_known_hash(HashAlgorithm hash) noexcept;

// OpenSSL's name for a hash ("SHA256").
const char* md_name(HashAlgorithm hash);

// The EVP_MD for a hash, fetched once per process. Throws ConfigError for an unknown value or
// when the loaded providers lack the algorithm.
const EVP_MD* md_for(HashAlgorithm hash);

// EVP_CIPHER_fetch(name), for function-local statics: the result lives for the process.
// Returns nullptr when the providers lack it; callers report that with ConfigError.
const EVP_CIPHER* fetch_cipher(const char* name) noexcept;

// A new EVP_CIPHER_CTX; throws E when OpenSSL cannot allocate one.
template <class E>
CipherCtx new_cipher_ctx() {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw_openssl_error<E>("cannot allocate a cipher context");
  return ctx;
}

}  // namespace ddbcrypt::internal

namespace ddbcrypt::detail {

// Owns the EVP_PKEY behind RsaPublicKey / RsaPrivateKey. Immutable once made: OpenSSL allows
// concurrent operations on one EVP_PKEY as long as nobody modifies it.
struct RsaHandle {
  internal::Pkey pkey;
  bool is_private = false;
};

// An HMAC context keyed once when the HmacKey is made; hmac() duplicates it per call so the
// key schedule (the two padded-key hash blocks) is not recomputed for every message. Never
// used directly, only duplicated, so sharing it between threads is safe.
struct HmacHandle {
  internal::MacCtx keyed;
};

}  // namespace ddbcrypt::detail
