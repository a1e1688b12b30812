// Materials files: a materials provider and its keys described in JSON, as the `ddbcrypt`
// CLI reads them.
//
//   {"provider": "static" | "wrapped",
//    "keys": {"encrypt": KEY, "decrypt": KEY, "sign": KEY, "verify": KEY},
//    "description": {"name": "value", ...}}            (optional base material description)
//
// KEY has the shape of an entry of the legacy vectors' keys.json:
//   {"type": "symmetric" | "public" | "private",
//    "algorithm": "AES" | "HmacSHA256" | "SHA256withRSA" | "RSA" | ...,
//    "encoding": "RAW" | "DER" | "PEM",
//    "material": "<base64>"}                    (for PEM also the PEM text itself)
//
// Roles:
//   static   encrypt/decrypt: the AES attribute key (either name; optional if nothing is
//            encrypted); sign/verify: the HMAC key, or an RSA private (sign) / public
//            (verify-only) key. The same keys serve both directions.
//   wrapped  encrypt: the wrapping key (AES, or an RSA public key with algorithm "RSA");
//            decrypt: the unwrapping key (AES, or an RSA private key); sign/verify as above.
//            An AES decrypt key also wraps, and an RSA private decrypt key's public half
//            also wraps, when no encrypt key is given.
// Only the keys a direction needs are required: a provider missing a key for a direction
// throws ConfigError when asked to work in it.
//
// Later providers ("aws-kms", "most-recent") extend the same format.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ddbcrypt/materials/materials_provider.h"

namespace ddbcrypt {

// ConfigError naming the offending field for anything malformed or unsupported. Messages
// never contain key material.
[[nodiscard]] std::shared_ptr<const MaterialsProvider> materials_from_json(std::string_view json);

// A fresh materials file for `kind` ("static": AES-256 + HmacSHA256; "wrapped-aes": AES-256
// wrapping key + HmacSHA256; "wrapped-rsa": RSA-3072 OAEP wrapping pair + RSA-3072
// SHA256withRSA signing pair). The result contains secret keys. ConfigError for other kinds.
[[nodiscard]] std::string generate_materials_json(std::string_view kind);

}  // namespace ddbcrypt
