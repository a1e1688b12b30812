// Internals of EncryptedClient shared by its source files (single-item operations, batches,
// transactions).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "client/projection.h"
#include "client/request_policy.h"
#include "client/table_info.h"
#include "ddbcrypt/client/encrypted_client.h"

namespace ddbcrypt {

struct EncryptedClient::Impl {
  Impl(std::shared_ptr<const aws::DynamoDbClient> raw_client, EncryptedClientConfig client_config)
      : raw(std::move(raw_client)), config(std::move(client_config)), tables(*raw) {}

  // `override_config` when given, else the table's configuration (DescribeTable on first use).
  CryptoConfig config_for(const std::string& table, const CryptoConfig* override_config) const;
  // The index a Query / Scan names (null for none); ConfigError when the table has no such index.
  const internal::IndexInfo* index_for(const internal::RequestSite& site,
                                       const std::optional<std::string>& index_name,
                                       std::shared_ptr<const internal::TableInfo>& holder) const;

  // encrypt_item / decrypt_item with the site added to error messages.
  Item encrypt(const internal::RequestSite& site, const Item& item,
               const CryptoConfig& crypto) const;
  Item decrypt(const internal::RequestSite& site, Item&& item, const CryptoConfig& crypto,
               const std::string& what) const;
  // Decrypts an item a successful write returned (ReturnValues); the message of a failure
  // says that the write itself happened.
  Item decrypt_returned(const internal::RequestSite& site, Item&& item,
                        const CryptoConfig& crypto) const;
  // Decrypts and cuts a read item to the plan.
  Item decrypt_read(const internal::RequestSite& site, Item&& item, const CryptoConfig& crypto,
                    const internal::ProjectionPlan& plan, const std::string& what) const;

  aws::GetItemResult get_item(const aws::GetItemRequest& request, const CryptoConfig* o) const;
  aws::PutItemResult put_item(const aws::PutItemRequest& request, const CryptoConfig* o) const;
  aws::DeleteItemResult delete_item(const aws::DeleteItemRequest& request,
                                    const CryptoConfig* o) const;
  aws::UpdateItemResult update_item(const aws::UpdateItemRequest& request,
                                    const CryptoConfig* o) const;
  aws::QueryResult query(const aws::QueryRequest& request, const CryptoConfig* o) const;
  aws::ScanResult scan(const aws::ScanRequest& request, const CryptoConfig* o) const;
  aws::BatchGetItemResult batch_get_item(const aws::BatchGetItemRequest& request,
                                         const CryptoConfig* o) const;
  aws::BatchWriteItemResult batch_write_item(const aws::BatchWriteItemRequest& request,
                                             const CryptoConfig* o) const;
  aws::TransactGetItemsResult transact_get_items(const aws::TransactGetItemsRequest& request,
                                                 const CryptoConfig* o) const;
  aws::TransactWriteItemsResult transact_write_items(const aws::TransactWriteItemsRequest& request,
                                                     const CryptoConfig* o) const;
  std::optional<Item> safe_update_item(const std::string& table_name, const Item& key,
                                       const std::function<void(Item&)>& change,
                                       const SafeUpdateOptions& options) const;

  std::shared_ptr<const aws::DynamoDbClient> raw;
  EncryptedClientConfig config;
  internal::TableInfoCache tables;
};

namespace internal {

// Runs `call`; if it throws a DynamoDbError whose details carry items (ALL_OLD of a failed
// condition, or per-action items of a cancelled transaction), rethrows it with those items
// decrypted by `decrypt` (reason index, or nullopt for the single-item case). Items that do
// not decrypt are dropped from the details rather than passed on as ciphertext.
using ErrorItemDecryptor = std::function<std::optional<Item>(std::optional<std::size_t>, Item&&)>;
[[noreturn]] void rethrow_decrypting_error_items(const DynamoDbError& error,
                                                 const ErrorItemDecryptor& decrypt);

template <class Call>
auto decrypting_error_items(Call&& call, const ErrorItemDecryptor& decrypt) -> decltype(call()) {
  try {
    return call();
  } catch (const DynamoDbError& e) {
    rethrow_decrypting_error_items(e, decrypt);
  }
}

// Jittered exponential backoff: uniformly random in [0, min(base x 2^(n-1), cap)].
void backoff_sleep(int consecutive, std::chrono::milliseconds base, std::chrono::milliseconds cap);

// Whether two primary keys (or, without key names, two items) are the same, numbers compared
// by value.
bool same_key(const Item& a, const Item& b, const CryptoConfig& crypto);

}  // namespace internal
}  // namespace ddbcrypt
