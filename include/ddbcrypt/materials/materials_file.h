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
// AWS KMS (Direct KMS provider, ddbcrypt/materials/direct_kms_provider.h):
//   {"provider": "aws-kms",
//    "key_id": "arn:aws:kms:...:key/..." | "alias/x" | key id | alias ARN,
//    "context": {"name": "value", ...},      (optional: extra KMS encryption context entries;
//                                             the reference libraries add none)
//    "description": {...},                   (optional: e.g. "amzn-ddb-env-alg": "AES/128")
//    "grant_tokens": ["...", ...],           (optional)
//    "pin_key_id": true,                     (optional, default true: Decrypt names the key)
//    "decrypt_cache": {"max_entries": N, "max_age_seconds": S}}   (optional)
// A key or alias ARN names the KMS region; other key ids use the default region. Region (for
// non-ARN key ids), credentials and endpoints come from the usual sources (AWS_REGION,
// AWS_PROFILE, AWS_ENDPOINT_URL_KMS, ...; see ddbcrypt/aws/client_config.h).
//
// Most recent (versioned materials in a DynamoDB meta table shared with the reference
// libraries, ddbcrypt/materials/most_recent_provider.h):
//   {"provider": "most-recent",
//    "meta_table": "...", "material_name": "...",
//    "ttl_seconds": N,                       (optional, default 300)
//    "cache_entries": N,                     (optional, default 1000)
//    "meta_materials": {...}}                (a materials object of any kind: the provider
//                                             that protects the meta table's items)
// The meta table must exist (DynamoDbMetaStore::create_table, or `ddbcrypt meta create-table`);
// version 0 is created on the first encryption if the material has none.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/aws/kms_client.h"
#include "ddbcrypt/materials/materials_provider.h"

namespace ddbcrypt {

// Where the AWS kinds get their clients. Unset: the real clients, configured from the
// usual sources (aws::make_kms_client / aws::make_dynamodb_client with a default ClientConfig).
struct MaterialsFileOptions {
  // The KMS client for `region`; an empty region means the default one.
  std::function<std::shared_ptr<aws::KmsClient>(const std::string& region)> kms_client;
  std::function<std::shared_ptr<aws::DynamoDbClient>()> dynamodb_client;
};

// ConfigError naming the offending field for anything malformed or unsupported (including a
// client that cannot be configured, e.g. no region). Messages never contain key material.
// Makes no AWS call.
[[nodiscard]] std::shared_ptr<const MaterialsProvider> materials_from_json(
    std::string_view json, const MaterialsFileOptions& options = {});

// A fresh materials file for `kind` ("static": AES-256 + HmacSHA256; "wrapped-aes": AES-256
// wrapping key + HmacSHA256; "wrapped-rsa": RSA-3072 OAEP wrapping pair + RSA-3072
// SHA256withRSA signing pair). The result contains secret keys. ConfigError for other kinds.
[[nodiscard]] std::string generate_materials_json(std::string_view kind);

}  // namespace ddbcrypt
