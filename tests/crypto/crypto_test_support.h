// Helpers shared by the crypto layer's tests: hex secrets, the reference vectors' RSA keys, PEM
// wrapping, and the bit-flip / truncation loops of Tink-style tamper tests.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/crypto/secret_bytes.h"

namespace ddbcrypt::testing {

inline SecretBytes secret_hex(std::string_view hex) {
  return SecretBytes::copy_of(hex_decode(hex));
}

inline std::string_view as_text(const SecretBytes& secret) {
  return {reinterpret_cast<const char*>(secret.expose_secret().data()), secret.size()};
}

// The decoded "material" of one entry of tests/vectors/legacy/encrypted_item/keys.json, the
// key file of the reference libraries' vectors.
inline Bytes vector_key_material(std::string_view name) {
  simdjson::dom::parser parser;
  const simdjson::dom::element keys =
      parser.load(std::string(DDBCRYPT_VECTORS_DIR) + "/legacy/encrypted_item/keys.json");
  const std::string_view material = keys[name]["material"].get_string();
  return base64_decode(material);
}

// rsaEncPriv / rsaEncPub: the 2048-bit pair the reference vectors wrap content keys with.
inline RsaPrivateKey vector_rsa_private() {
  return RsaPrivateKey::from_der(vector_key_material("rsaEncPriv"));
}
inline RsaPublicKey vector_rsa_public() {
  return RsaPublicKey::from_der(vector_key_material("rsaEncPub"));
}

// RFC 7468 text encoding: base64 in 64-character lines between BEGIN/END lines.
inline std::string pem_wrap(std::string_view label, ByteView der) {
  const std::string body = base64_encode(der);
  std::string pem = "-----BEGIN " + std::string(label) + "-----\n";
  for (std::size_t i = 0; i < body.size(); i += 64) pem += body.substr(i, 64) + "\n";
  pem += "-----END " + std::string(label) + "-----\n";
  return pem;
}

// Calls f(tampered, bit) once for every single-bit change of `data`.
template <class F>
void for_each_bit_flip(ByteView data, F&& f) {
  Bytes tampered(data.begin(), data.end());
  for (std::size_t bit = 0; bit < data.size() * 8; ++bit) {
    const auto mask = static_cast<std::uint8_t>(1u << (bit % 8));
    tampered[bit / 8] ^= mask;
    f(ByteView(tampered), bit);
    tampered[bit / 8] ^= mask;
  }
}

// Calls f(prefix, n) for every proper prefix of `data` (lengths 0 .. size-1).
template <class F>
void for_each_truncation(ByteView data, F&& f) {
  for (std::size_t n = 0; n < data.size(); ++n) f(data.first(n), n);
}

}  // namespace ddbcrypt::testing
