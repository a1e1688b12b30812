// SigV4Signer: AWS Signature Version 4 header signing (spec/aws-wire.md §1).
//
// Signs an HttpRequest in place for one attempt: every retry is signed again with a fresh
// time, so `sign` first removes what an earlier attempt added (Authorization, X-Amz-Date,
// X-Amz-Security-Token, x-amz-content-sha256). The payload hash is over `request.body`
// exactly as it will be sent.
//
// The derived signing key depends only on (secret, date, region, service); the signer keeps
// the last few in a small cache (wiped on eviction; entries are found by a SHA-256 of the
// secret, never by the secret itself) so a client does not run four HMACs per request.
//
// Internal to the aws layer. Thread-safety: `sign` may be called concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "ddbcrypt/aws/credentials.h"
#include "ddbcrypt/aws/http.h"
#include "ddbcrypt/crypto/secret_bytes.h"

namespace ddbcrypt::internal {

struct SigV4Params {
  std::string region;   // signing region, e.g. "us-east-1"
  std::string service;  // signing name: "dynamodb", "kms", "sts"
  std::chrono::system_clock::time_point time;  // already corrected for clock skew
  // Every service but S3: remove dot segments and collapse repeated '/' in the canonical URI,
  // and percent-encode the wire path again, so "%20" signs as "%2520". False is S3 style: the
  // path is kept as sent, only bytes that are not yet encoded are encoded.
  bool normalize_path = true;
  // Add and sign `x-amz-content-sha256: <hex sha256 of body>` (S3 style; not for JSON APIs).
  bool sign_body = false;
  // Add the X-Amz-Security-Token header but leave it out of the signature (a service-specific
  // variant; DynamoDB, KMS and STS sign it).
  bool omit_session_token = false;
};

// The intermediate values, for tests and debugging. They contain no secret: the signature is
// already on the wire in the Authorization header.
struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lower-case hex
  std::string authorization;  // the Authorization header value that was set
};

class SigV4Signer {
 public:
  SigV4Signer();
  ~SigV4Signer();
  SigV4Signer(const SigV4Signer&) = delete;
  SigV4Signer& operator=(const SigV4Signer&) = delete;

  // Adds Host (from the URL, with the port only when it is not the scheme's default) when the
  // request has none, X-Amz-Date, X-Amz-Security-Token when the credentials have a session
  // token, x-amz-content-sha256 when params.sign_body, then Authorization. Signs host,
  // x-amz-date, the token, content-type and every x-amz-* header, plus any other header
  // present (content-length too, when the caller set it: AWS's vectors sign it) except the
  // unsigned hop-by-hop and mutable ones (authorization, user-agent, x-amzn-trace-id,
  // connection, keep-alive, expect, te, trailer, transfer-encoding, upgrade, proxy-*,
  // amz-sdk-*). Repeated headers are signed as one, values joined by ',' in send order.
  //
  // ConfigError, with the request left unchanged, for a URL that is not absolute http(s) with
  // a host, a method that is not upper-case letters, an empty header name, or an empty region,
  // service, access key id or secret.
  SigV4Signature sign(aws::HttpRequest& request, const aws::Credentials& credentials,
                      const SigV4Params& params) const;

 private:
  struct KeyCache;
  std::unique_ptr<KeyCache> cache_;
};

// "YYYYMMDDTHHMMSSZ" for `time`, in UTC; fractions of a second are dropped.
[[nodiscard]] std::string amz_date(std::chrono::system_clock::time_point time);

// kSigning of spec/aws-wire.md §1.5 for a scope date "YYYYMMDD". SigV4Signer caches these;
// exposed so the derivation can be checked against the published value.
[[nodiscard]] SecretBytes derive_sigv4_signing_key(const SecretBytes& secret_access_key,
                                                   std::string_view date,
                                                   std::string_view region,
                                                   std::string_view service);

}  // namespace ddbcrypt::internal
