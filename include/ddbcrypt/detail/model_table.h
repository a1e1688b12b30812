// The untyped engine under model::Repository<T>: items in, items out. Not for direct use;
// repository.h documents the behaviour users see.
//
// A ModelTable knows one table as a schema describes it (names, roles, encrypted fields,
// indexes), encrypts every encrypted attribute on every write path, decrypts on every read
// path (a page, a batch or a transaction is decrypted in one FieldEncryptor::load_batch, so
// its KMS requests run concurrently), builds the expressions, checks versions and re-sends
// what batch operations leave unprocessed.
//
// Thread-safety: immutable after create(); every method may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/item/attribute_value.h"
#include "ddbcrypt/model/condition.h"
#include "ddbcrypt/model/field_encryption.h"
#include "ddbcrypt/model/repository_options.h"
#include "ddbcrypt/model/schema.h"

namespace ddbcrypt::model::detail {

struct ModelField {
  std::string name;
  FieldRole role = FieldRole::kAttribute;
  std::optional<EncryptedAttribute> encryption;
  std::optional<aws::ScalarAttributeType> scalar_type;
  bool holds_string = false;
};

struct ModelDescription {
  std::string model_name;
  std::string table_name;
  std::vector<ModelField> fields;
  std::vector<IndexSpec> indexes;
};

// An item as read, and as the model sees it.
struct LoadedItem {
  Item plain;   // encrypted attributes decrypted; one whose ciphertext was kept is absent
  Item stored;  // exactly as DynamoDB returned it
  std::map<std::string, FieldState> states;  // for the encrypted attributes in `stored`
};

// What a write stores: `plain` attributes (encrypted ones in plaintext; they are encrypted
// on the way) and `kept` encrypted attributes written back with their stored ciphertext.
struct ItemWrite {
  Item plain;
  Item kept;
};

enum class Existence : std::uint8_t {
  kAny = 0,
  kMustExist = 1,  // attribute_exists(partition key)
};

struct WriteCondition {
  std::optional<Condition> condition;
  // Versioned models: the stored version attribute must equal this; 0 means it must not
  // exist (a new item, or one never written with a version).
  std::optional<std::int64_t> expected_version;
  Existence existence = Existence::kAny;
};

enum class UpdateOp : std::uint8_t { kSet = 0, kRemove = 1, kAdd = 2 };

struct UpdateAction {
  UpdateOp op = UpdateOp::kSet;
  std::string name;
  AttributeValue value;  // plaintext for kSet (encrypted on the way) and kAdd
};

class ModelTable;

// Pages of a Query or Scan, decrypted. Single-threaded.
class ItemPager {
 public:
  struct Page {
    std::vector<LoadedItem> items;
    std::optional<Item> last_evaluated_key;
  };

  // The next page, or nullopt when done. A page may be empty without being the last.
  std::optional<Page> next_page();
  bool done() const noexcept { return done_; }
  // Pass as exclusive_start_key to resume after what has been returned; unset before the
  // first page and after the last.
  const std::optional<Item>& resume_key() const noexcept { return resume_key_; }
  const ModelTable& table() const noexcept { return *table_; }

 private:
  friend class ModelTable;
  ItemPager(std::shared_ptr<const ModelTable> table,
            std::variant<aws::QueryRequest, aws::ScanRequest> request,
            std::optional<std::size_t> limit, std::optional<std::int32_t> page_size);

  std::shared_ptr<const ModelTable> table_;
  std::variant<aws::QueryRequest, aws::ScanRequest> request_;
  std::optional<std::size_t> remaining_;
  std::optional<std::int32_t> page_size_;
  std::optional<Item> resume_key_;
  bool done_ = false;
};

// One write of a transaction, ready to send.
struct TransactionEntry {
  std::shared_ptr<const ModelTable> table;
  aws::TransactWriteItem item;
  Item key;
  std::optional<std::int64_t> expected_version;
  std::function<void()> after_commit;  // applies new versions and snapshots to the caller's objects
};

// Sends TransactWriteItems; on success runs every after_commit. A canceled transaction is a
// DynamoDbError (TransactionCanceledException) whose message names each failed write's model,
// key and reason, and tells version conflicts apart.
void commit_transaction(std::vector<TransactionEntry>& entries,
                        std::optional<std::string> client_request_token);

class ModelTable : public std::enable_shared_from_this<ModelTable> {
 public:
  // Throws ConfigError for an unusable description or options.
  [[nodiscard]] static std::shared_ptr<const ModelTable> create(ModelDescription description,
                                                                RepositoryOptions options);

  ModelTable(ModelDescription description, RepositoryOptions options);  // use create()
  ModelTable(const ModelTable&) = delete;
  ModelTable& operator=(const ModelTable&) = delete;

  const std::string& table_name() const noexcept { return description_.table_name; }
  const std::string& model_name() const noexcept { return description_.model_name; }
  const ModelDescription& description() const noexcept { return description_; }
  const aws::DynamoDbClient& dynamodb() const noexcept { return *options_.dynamodb; }
  const std::optional<std::string>& version_attribute() const noexcept { return version_; }

  // The key attributes of `item`. Throws ConfigError when one is missing, empty or not S/N/B.
  [[nodiscard]] Item key_of(const Item& item) const;
  // "{pk=S:user#1, sk=N:3}" for messages.
  [[nodiscard]] std::string describe_key(const Item& key) const;

  // The stored item for a write: encrypts `plain`'s encrypted attributes, checks and copies
  // `kept`. KMS: as FieldEncryptor::encrypt, per encrypted attribute.
  [[nodiscard]] Item protect(const ItemWrite& write) const;
  // Decrypts items as read (one load_batch for all of them).
  [[nodiscard]] std::vector<LoadedItem> unprotect(std::vector<Item> stored) const;
  // FieldEncryptor::decrypt of one stored attribute (throws in WriteOnly mode).
  [[nodiscard]] AttributeValue decrypt_attribute(const std::string& name,
                                                 const Item& stored) const;

  void put(const Item& stored, const WriteCondition& condition) const;
  [[nodiscard]] std::optional<LoadedItem> get(const Item& key, ReadConsistency consistency) const;
  void remove(const Item& key, const WriteCondition& condition) const;
  // Returns the stored values of the attributes it set (encrypted ones as ciphertext).
  Item update(const Item& key, const std::vector<UpdateAction>& actions,
              const WriteCondition& condition) const;

  [[nodiscard]] ItemPager query(const Condition& key_condition, const QueryOptions& options) const;
  [[nodiscard]] ItemPager scan(const ScanOptions& options) const;
  [[nodiscard]] std::vector<LoadedItem> parallel_scan(std::int32_t total_segments,
                                                      const ScanOptions& options) const;

  // Found items in the order of `keys` (duplicates read once).
  [[nodiscard]] std::vector<LoadedItem> batch_get(const std::vector<Item>& keys,
                                                  ReadConsistency consistency) const;
  // Stored items to put and keys to delete, in chunks of 25, until all have landed.
  void batch_write(const std::vector<Item>& puts, const std::vector<Item>& delete_keys) const;
  // Aligned with `keys`.
  [[nodiscard]] std::vector<std::optional<LoadedItem>> transact_get(
      const std::vector<Item>& keys) const;

  [[nodiscard]] TransactionEntry prepare_put(const Item& stored,
                                             const WriteCondition& condition) const;
  [[nodiscard]] TransactionEntry prepare_update(const Item& key,
                                                const std::vector<UpdateAction>& actions,
                                                const WriteCondition& condition,
                                                Item& written) const;
  [[nodiscard]] TransactionEntry prepare_delete(const Item& key,
                                                const WriteCondition& condition) const;
  [[nodiscard]] TransactionEntry prepare_condition_check(const Item& key,
                                                         const Condition& condition) const;

  void create_table(const CreateTableOptions& options) const;
  void delete_table() const;

  // Turns a failed conditional write into a version-conflict error when that is what it was
  // (the stored version differs from `expected`); otherwise returns without throwing.
  void diagnose_version_conflict(const DynamoDbError& error, const Item& key,
                                 std::int64_t expected,
                                 const std::optional<Item>& current) const;

 private:
  friend class ItemPager;
  struct Rendered;

  const ModelField* field(const std::string& name) const;
  void check_condition(const Condition& condition, const char* what) const;
  Rendered render_write_condition(const WriteCondition& condition,
                                  ExpressionAttributes& attributes) const;
  std::string render_update(const Item& key, const std::vector<UpdateAction>& actions,
                            ExpressionAttributes& attributes, Item& written) const;
  FieldBinding binding(const std::string& attribute, const Item& key) const;
  const IndexSpec* index(const std::string& name) const;

  ModelDescription description_;
  RepositoryOptions options_;
  std::string partition_key_;
  std::optional<std::string> sort_key_;
  std::optional<std::string> version_;
  std::map<std::string, std::size_t> by_name_;  // attribute name → index in description_.fields
};

}  // namespace ddbcrypt::model::detail
