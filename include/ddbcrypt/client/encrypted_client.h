// EncryptedClient: a DynamoDbClient that encrypts and signs items on the way in and verifies
// and decrypts them on the way out, byte-compatible with the reference libraries' encrypted
// clients (aws-dynamodb-encryption-python's EncryptedClient, the Java DynamoDBEncryptor).
//
// It takes the same requests and returns the same results as aws::DynamoDbClient (it is one,
// so aws::QueryPager and aws::ScanPager over it decrypt page by page), with every item in it
// plaintext. Each table's key schema is read once with DescribeTable and cached: the primary
// key attributes are signed, never encrypted (an ENCRYPT_AND_SIGN default becomes SIGN_ONLY
// for them; an explicit ENCRYPT_AND_SIGN for a key is a ConfigError). The logical table name
// signed into items is the one DescribeTable reports, so a request by ARN signs like one by
// name.
//
// Example:
//   auto ddb = aws::make_dynamodb_client({.region = "eu-west-1"});
//   auto client = EncryptedClient::create(ddb, {
//       .provider = provider,
//       .actions = AttributeActions::create(CryptoAction::kEncryptAndSign,
//                                           {{"email", CryptoAction::kSignOnly},
//                                            {"visits", CryptoAction::kDoNothing}}),
//   });
//   client->put_item({.table_name = "users", .item = user});
//   auto got = client->get_item({.table_name = "users", .key = key,
//                                .projection_expression = "email, ssn"});
//   client->safe_update_item("users", key, [](Item& u) { u["ssn"] = AttributeValue::S(...); });
//
// What goes beyond the reference (which passes these through or refuses them):
//  * Projections (ProjectionExpression, AttributesToGet, Select SPECIFIC_ATTRIBUTES, and
//    index reads) are widened to what signature verification needs, then cut back to what
//    was asked after decryption. When every attribute is signed by default the whole item is
//    read. A global secondary index that does not project what verification needs cannot be
//    read: ConfigError says which attributes are missing. A local secondary index read is
//    widened to ALL_ATTRIBUTES (DynamoDB fetches the rest from the table).
//  * Condition, filter and key condition expressions (and their legacy forms) that use an
//    encrypted attribute are refused with ConfigError, since DynamoDB only sees ciphertext;
//    attribute_exists / attribute_not_exists of a whole encrypted attribute are allowed.
//    Signed plaintext attributes work as usual.
//  * UpdateItem (and TransactWriteItems' Update) that sets, removes, adds to or deletes from
//    a signed or encrypted attribute, or reads an encrypted one, is refused with ConfigError;
//    an update that only touches DO_NOTHING attributes passes through, with a condition that
//    the item exists and is signed, so it cannot create an item that no reader could verify.
//    safe_update_item changes protected attributes safely.
//  * BatchWriteItem and BatchGetItem take any number of writes / keys: they are sent in
//    requests of at most 25 / 100, and UnprocessedItems / UnprocessedKeys are re-sent with
//    jittered exponential backoff until everything has landed; the results never carry
//    unprocessed entries. When rounds stop making progress (BatchRetryOptions), or DynamoDB
//    refuses a request outright, DynamoDbError lists (by table and position in the request)
//    every write or key that did not land.
//  * TransactWriteItems and TransactGetItems are encrypted and decrypted; the items of a
//    ConditionalCheckFailed or TransactionCanceled error's details are decrypted too (left
//    out when they do not verify).
//  * ReturnValues ALL_OLD of PutItem / DeleteItem and ALL_OLD / ALL_NEW of UpdateItem are
//    decrypted. If the write succeeded but the returned item does not verify, DecryptionError
//    says that the write happened.
//
// Every item read is verified before anything is decrypted; an item that does not verify is
// an error (SignatureError / DecryptionError naming the operation and table), never returned.
// DescribeTable, CreateTable, DeleteTable and ListTables pass through.
//
// Errors: ConfigError (refused requests, bad configuration), EncryptionError,
// DecryptionError / SignatureError, KmsError (from KMS-backed providers), DynamoDbError.
// Messages name the operation, table and attribute, never values.
//
// Thread-safety: safe to share between threads; every method may be called concurrently.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/encryptor/item_encryptor.h"
#include "ddbcrypt/item/attribute_value.h"
#include "ddbcrypt/materials/materials_provider.h"

namespace ddbcrypt {

// How batch operations re-send unprocessed writes and keys.
struct BatchRetryOptions {
  // Give up after this many consecutive rounds in which nothing landed (every entry came back
  // unprocessed, or the request failed with a retryable error such as throttling).
  int max_rounds_without_progress = 8;
  // Delay before re-sending: uniformly random in [0, min(base_delay x 2^(n-1), max_delay)]
  // after the n-th consecutive round that left entries unprocessed.
  std::chrono::milliseconds base_delay{50};
  std::chrono::milliseconds max_delay{5000};
};

struct EncryptedClientConfig {
  std::shared_ptr<const MaterialsProvider> provider;  // required
  // Actions for every table, unless `table_actions` names the table.
  AttributeActions actions = AttributeActions::create();
  std::map<std::string, AttributeActions> table_actions;
  BatchRetryOptions batch_retry;
};

// How safe_update_item handles a concurrent writer.
struct SafeUpdateOptions {
  // Read-change-write rounds before a conflict is reported; 1 reports the first conflict.
  int max_attempts = 1;
  // Delay before another round: uniformly random in [0, retry_delay x 2^(n-1)].
  std::chrono::milliseconds retry_delay{20};
};

class EncryptedClient final : public aws::DynamoDbClient {
 public:
  // ConfigError when `client` or `config.provider` is null.
  [[nodiscard]] static std::unique_ptr<EncryptedClient> create(
      std::shared_ptr<const aws::DynamoDbClient> client, EncryptedClientConfig config);
  ~EncryptedClient() override;
  EncryptedClient(const EncryptedClient&) = delete;
  EncryptedClient& operator=(const EncryptedClient&) = delete;

  // ----- aws::DynamoDbClient, with the table's configuration -----
  // Item operations make the DynamoDB call of the same name, plus one DescribeTable per table
  // on first use; batch operations make as many calls as the rounds above need.
  [[nodiscard]] aws::GetItemResult get_item(const aws::GetItemRequest& request) const override;
  aws::PutItemResult put_item(const aws::PutItemRequest& request) const override;
  aws::DeleteItemResult delete_item(const aws::DeleteItemRequest& request) const override;
  aws::UpdateItemResult update_item(const aws::UpdateItemRequest& request) const override;
  [[nodiscard]] aws::QueryResult query(const aws::QueryRequest& request) const override;
  [[nodiscard]] aws::ScanResult scan(const aws::ScanRequest& request) const override;
  [[nodiscard]] aws::BatchGetItemResult batch_get_item(
      const aws::BatchGetItemRequest& request) const override;
  [[nodiscard]] aws::BatchWriteItemResult batch_write_item(
      const aws::BatchWriteItemRequest& request) const override;
  [[nodiscard]] aws::TransactGetItemsResult transact_get_items(
      const aws::TransactGetItemsRequest& request) const override;
  aws::TransactWriteItemsResult transact_write_items(
      const aws::TransactWriteItemsRequest& request) const override;
  // Passed through (CreateTable and DeleteTable also forget the cached key schema).
  aws::CreateTableResult create_table(const aws::CreateTableRequest& request) const override;
  [[nodiscard]] aws::DescribeTableResult describe_table(
      const aws::DescribeTableRequest& request) const override;
  aws::DeleteTableResult delete_table(const aws::DeleteTableRequest& request) const override;
  [[nodiscard]] aws::ListTablesResult list_tables(
      const aws::ListTablesRequest& request) const override;
  [[nodiscard]] const std::string& region() const noexcept override;

  // ----- The same with a per-call crypto config (the reference's `crypto_config`) -----
  // `crypto_config` is used as it is, for every table of the request: its context names the
  // logical table and key attributes, its actions and provider apply. No DescribeTable is
  // made except to look up an index a Query or Scan names.
  [[nodiscard]] aws::GetItemResult get_item(const aws::GetItemRequest& request,
                                            const CryptoConfig& crypto_config) const;
  aws::PutItemResult put_item(const aws::PutItemRequest& request,
                              const CryptoConfig& crypto_config) const;
  aws::DeleteItemResult delete_item(const aws::DeleteItemRequest& request,
                                    const CryptoConfig& crypto_config) const;
  aws::UpdateItemResult update_item(const aws::UpdateItemRequest& request,
                                    const CryptoConfig& crypto_config) const;
  [[nodiscard]] aws::QueryResult query(const aws::QueryRequest& request,
                                       const CryptoConfig& crypto_config) const;
  [[nodiscard]] aws::ScanResult scan(const aws::ScanRequest& request,
                                     const CryptoConfig& crypto_config) const;
  [[nodiscard]] aws::BatchGetItemResult batch_get_item(const aws::BatchGetItemRequest& request,
                                                       const CryptoConfig& crypto_config) const;
  [[nodiscard]] aws::BatchWriteItemResult batch_write_item(
      const aws::BatchWriteItemRequest& request, const CryptoConfig& crypto_config) const;
  [[nodiscard]] aws::TransactGetItemsResult transact_get_items(
      const aws::TransactGetItemsRequest& request, const CryptoConfig& crypto_config) const;
  aws::TransactWriteItemsResult transact_write_items(const aws::TransactWriteItemsRequest& request,
                                                     const CryptoConfig& crypto_config) const;

  // ----- Safe encrypted update -----
  // Reads the item (consistent GetItem), verifies and decrypts it, calls `change` on the
  // plaintext, re-encrypts it and writes it back with PutItem under the condition that the
  // stored signature is still the one read, so a concurrent writer is detected rather than
  // overwritten. `change` may alter, add or remove any attribute except the primary key
  // (ConfigError) and may throw to abandon the update; it is called once per round.
  //
  // Returns the item as written (plaintext), or nullopt when no item has `key` (nothing is
  // written, `change` is not called). A conflict on the last allowed round throws DynamoDbError
  // with code ConditionalCheckFailedException (is_conditional_check_failed()) whose message
  // says that another writer changed the item. ConfigError when the table's actions sign
  // nothing (there is no signature to detect a writer by).
  std::optional<Item> safe_update_item(const std::string& table_name, const Item& key,
                                       const std::function<void(Item&)>& change,
                                       SafeUpdateOptions options = {}) const;

  // The crypto config used for `table_name` (DescribeTable on first use): provider, the
  // table's logical name and keys, and its actions with the keys lowered to SIGN_ONLY.
  [[nodiscard]] CryptoConfig crypto_config(const std::string& table_name) const;

  // The client requests are sent through (items in it are as stored).
  [[nodiscard]] const aws::DynamoDbClient& raw_client() const noexcept;

  struct Impl;

 private:
  explicit EncryptedClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ddbcrypt
