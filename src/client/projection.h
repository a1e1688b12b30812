// Projections that survive encryption: what to ask DynamoDB for so that every item returned
// can be verified, and how to cut the verified, decrypted item back to what the caller asked.
//
// Signature verification needs every signed attribute of the item, the material description
// and the signature (and the provider may need the primary key, as Direct KMS does). When the
// default action signs, any attribute may be signed, so the whole item is read; when the
// default is DO_NOTHING, the signed attributes are the configured overrides, which are added
// to the projection.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "client/expression.h"
#include "client/request_policy.h"
#include "client/table_info.h"
#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/encryptor/item_encryptor.h"

namespace ddbcrypt::internal {

// The projection members of a read request.
struct ReadShape {
  std::optional<std::string> projection_expression;
  std::vector<std::string> attributes_to_get;
  std::optional<aws::Select> select;
  aws::ExpressionAttributeNames names;
};

struct ProjectionPlan {
  ReadShape send;  // what to put in the request
  // The paths to keep of each decrypted item; nullopt keeps the whole item.
  std::optional<std::vector<DocumentPath>> keep;
};

// `index` is the Query/Scan's index (null for the table). `other_placeholders` are the #names
// the request's other expressions use (they stay in ExpressionAttributeNames; names only the
// caller's projection used are dropped when it is rewritten). ConfigError when a global
// secondary index does not project what verification needs, or when both a
// ProjectionExpression and AttributesToGet are given.
[[nodiscard]] ProjectionPlan plan_projection(const RequestSite& site, const CryptoConfig& config,
                                             const IndexInfo* index, ReadShape asked,
                                             const std::set<std::string>& other_placeholders);

// The parts of `item` the paths select, as DynamoDB would return them: maps keep the selected
// keys, lists the selected elements in index order; paths that select nothing are left out.
[[nodiscard]] Item project_item(const Item& item, const std::vector<DocumentPath>& paths);

}  // namespace ddbcrypt::internal
