// SigV4Signer: AWS Signature Version 4 header signing (spec/aws-wire.md §1).
//
// Signs an HttpRequest in place for one attempt: every retry is signed again with a fresh
// time, so `sign` first removes what an earlier attempt added (Authorization, X-Amz-Date,
// X-Amz-Security-Token, x-amz-content-sha256). The payload hash is over `request.body`
// exactly as it will be sent.
//
// The derived signing key depends only on (secret, date, region, service); the signer keeps
// the last few in a small cache (wiped on eviction) so a client does not run four HMACs per
// request.
//
// Internal to the aws layer. Thread-safety: `sign` may be called concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "ddbcrypt/aws/credentials.h"
#include "ddbcrypt/aws/http.h"

namespace ddbcrypt::internal {

struct SigV4Params {
  std::string region;   // signing region, e.g. "us-east-1"
  std::string service;  // signing name: "dynamodb", "kms", "sts"
  std::chrono::system_clock::time_point time;  // already corrected for clock skew
  // Remove dot segments and collapse repeated '/' in the canonical URI (every service but S3).
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
  // present except the unsigned hop-by-hop and mutable ones (authorization, user-agent,
  // x-amzn-trace-id, connection, keep-alive, expect, te, trailer, transfer-encoding, upgrade,
  // proxy-*, content-length, amz-sdk-*). ConfigError for a URL it cannot parse.
  SigV4Signature sign(aws::HttpRequest& request, const aws::Credentials& credentials,
                      const SigV4Params& params) const;

 private:
  struct KeyCache;
  std::unique_ptr<KeyCache> cache_;
};

// "YYYYMMDDTHHMMSSZ" for `time`, in UTC.
[[nodiscard]] std::string amz_date(std::chrono::system_clock::time_point time);

}  // namespace ddbcrypt::internal
