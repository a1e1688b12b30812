// Internals of the DynamoDB client: the client over any "signed JSON call" function, so that
// the operation layer (encoding, decoding, error details, idempotency tokens) does not depend
// on how the call is carried.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ddbcrypt/aws/dynamodb_client.h"

namespace ddbcrypt::internal {

// Sends one DynamoDB call (operation name such as "PutItem", JSON body) and returns the body
// of the successful response. Throws DynamoDbError (with details) when the service refuses it
// or cannot be reached. Must be safe to call concurrently.
using DynamoDbCall = std::function<std::string(std::string_view operation, std::string body)>;

[[nodiscard]] std::shared_ptr<aws::DynamoDbClient> make_dynamodb_client_over(DynamoDbCall call,
                                                                             std::string region);

// A random version-4 UUID in its 36-character text form (the SDKs' default
// ClientRequestToken).
[[nodiscard]] std::string random_uuid();

}  // namespace ddbcrypt::internal
