// DynamoDbMetaStore: the MetaStore of MostRecentProvider kept in a DynamoDB table, in the
// reference libraries' layout (spec §12.4), so that ddbcrypt and the Java and Python clients
// can share one table: partition key N (S, the material name), sort key V (N, the version),
// one encrypted meta item per version (see ddbcrypt/materials/meta_store.h).
//
// Example:
//   auto ddb = aws::make_dynamodb_client();
//   DynamoDbMetaStore::create_table(*ddb, "meta");  // once; waits until ACTIVE
//   auto store = DynamoDbMetaStore::create(ddb, "meta", meta_provider);
//   auto provider = MostRecentProvider::create(store, "orders-keys", std::chrono::minutes(5));
//
// DynamoDB calls (each one request, retried by the client's transport):
//   load_version    one GetItem with ConsistentRead
//   max_version     one Query on N = name, ScanIndexForward false, Limit 1, ConsistentRead
//                   (Python's is eventually consistent; Java's, like ours, is not: D17)
//   create_version  one PutItem conditioned on attribute_not_exists(N) AND
//                   attribute_not_exists(V); when another writer won, one GetItem of the
//                   winner's item
// plus whatever the meta provider calls to protect the meta items (e.g. one KMS
// GenerateDataKey per version created and one KMS Decrypt per version loaded with a Direct KMS
// meta provider).
//
// Errors: DynamoDbError as DynamoDB answered (ResourceNotFoundException when the table does
// not exist, throttling after the transport's retries, ...); DecryptionError naming the
// material and version when a version does not exist; SignatureError / DecryptionError when a
// stored meta item does not verify under the meta provider (tampered, or written under other
// keys); whatever the meta provider throws (e.g. KmsError).
//
// Thread-safety: safe to share between threads; every method may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/encryptor/item_encryptor.h"
#include "ddbcrypt/materials/materials_provider.h"
#include "ddbcrypt/materials/meta_store.h"

namespace ddbcrypt {

struct MetaTableOptions {
  // nullopt: on-demand capacity (PAY_PER_REQUEST). Python's MetaStore.create_table takes read
  // and write units instead.
  std::optional<aws::ProvisionedThroughput> provisioned_throughput;
  // How long to wait for the table to become ACTIVE; nullopt: return as soon as CreateTable
  // answers (the table is then still CREATING).
  std::optional<aws::TableWaitOptions> wait = aws::TableWaitOptions{};
};

class DynamoDbMetaStore final : public MetaStore {
 public:
  // A store over the existing table `table_name`, whose items `meta_provider` protects (with
  // encryption context: table `table_name`, partition key N, sort key V). ConfigError for a
  // null client or provider or an empty table name. Makes no DynamoDB call.
  [[nodiscard]] static std::unique_ptr<DynamoDbMetaStore> create(
      std::shared_ptr<const aws::DynamoDbClient> dynamodb, std::string table_name,
      std::shared_ptr<const MaterialsProvider> meta_provider);

  // Creates the table with the reference's key schema (N: S HASH, V: N RANGE). One
  // CreateTable, then DescribeTable until ACTIVE unless `options.wait` is unset. Throws
  // DynamoDbError (ResourceInUseException when it already exists).
  static aws::TableDescription create_table(const aws::DynamoDbClient& dynamodb,
                                            const std::string& table_name,
                                            const MetaTableOptions& options = {});

  std::shared_ptr<const MaterialsProvider> load_version(std::string_view material_name,
                                                        std::uint64_t version) const override;
  std::optional<std::uint64_t> max_version(std::string_view material_name) const override;
  std::shared_ptr<const MaterialsProvider> create_version(std::string_view material_name,
                                                          std::uint64_t version) const override;

  const std::string& table_name() const noexcept { return config_.context.table_name; }
  const CryptoConfig& crypto_config() const noexcept { return config_; }

 private:
  DynamoDbMetaStore(std::shared_ptr<const aws::DynamoDbClient> dynamodb, CryptoConfig config)
      : dynamodb_(std::move(dynamodb)), config_(std::move(config)) {}

  std::shared_ptr<const aws::DynamoDbClient> dynamodb_;
  CryptoConfig config_;
};

}  // namespace ddbcrypt
