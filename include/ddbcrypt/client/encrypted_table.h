// EncryptedTable: one table through an EncryptedClient, with the request plumbing left out:
// items in, items out, built from native C++ values with to_attribute / from_attribute
// (ddbcrypt/item/native.h) or given as native JSON ({"pk": "user#1", "age": 42}).
//
//   auto table = EncryptedTable::create(client, "users");
//   table->put_item({{"pk", to_attribute("user#1")}, {"ssn", to_attribute("123-45-6789")}});
//   std::optional<Item> user = table->get_item({{"pk", to_attribute("user#1")}});
//   ItemReader adults = table->query({.key_condition_expression = "pk = :p",
//                                     .expression_attribute_values = {{":p", to_attribute("x")}}});
//   while (auto item = adults.next()) { ... }
//   table->safe_update_item(key, [](Item& u) { u["visits"] = to_attribute(1); });
//
// Everything EncryptedClient promises holds (encrypted_client.h): verification before
// decryption, widened projections, refused filters and updates, re-driven batches.
//
// Thread-safety: an EncryptedTable is safe to share between threads. An ItemReader is used by
// one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/client/encrypted_client.h"
#include "ddbcrypt/item/attribute_value.h"

namespace ddbcrypt {

// Reads of one item.
struct ReadOptions {
  bool consistent_read = false;
  std::optional<std::string> projection_expression;
  aws::ExpressionAttributeNames expression_attribute_names;
};

// A condition on a write (ConditionExpression and its placeholders).
struct WriteCondition {
  std::string expression;
  aws::ExpressionAttributeNames expression_attribute_names;
  aws::ExpressionAttributeValues expression_attribute_values;
};

// The decrypted items of a Query or Scan, one at a time: one page is held at a time, so memory
// stays constant whatever the table's size. Each next() that needs a new page makes one Query
// or Scan call.
class ItemReader {
 public:
  // The next item, or nullopt after the last. Throws what EncryptedClient::query / scan throw;
  // after an error the same page may be asked for again.
  [[nodiscard]] std::optional<Item> next();

  // Progress so far: pages fetched, items evaluated by DynamoDB (before a filter) and items
  // returned.
  std::int64_t pages() const noexcept { return pages_; }
  std::int64_t scanned_count() const noexcept { return scanned_; }
  std::int64_t returned_count() const noexcept { return returned_; }

 private:
  friend class EncryptedTable;
  ItemReader(std::shared_ptr<const EncryptedClient> client, aws::QueryRequest request);
  ItemReader(std::shared_ptr<const EncryptedClient> client, aws::ScanRequest request);

  std::shared_ptr<const EncryptedClient> client_;  // keeps the pager's client alive
  std::variant<aws::QueryPager, aws::ScanPager> pager_;
  std::vector<Item> page_;
  std::size_t next_ = 0;
  std::int64_t pages_ = 0;
  std::int64_t scanned_ = 0;
  std::int64_t returned_ = 0;
};

class EncryptedTable {
 public:
  // ConfigError for a null client or an empty table name. Makes no call: the key schema is
  // read (DescribeTable) on first use.
  [[nodiscard]] static std::unique_ptr<EncryptedTable> create(
      std::shared_ptr<const EncryptedClient> client, std::string table_name);
  EncryptedTable(const EncryptedTable&) = delete;
  EncryptedTable& operator=(const EncryptedTable&) = delete;

  const std::string& table_name() const noexcept { return table_name_; }
  const EncryptedClient& client() const noexcept { return *client_; }
  // The primary key attribute names (DescribeTable on first use).
  [[nodiscard]] std::string partition_key() const;
  [[nodiscard]] std::optional<std::string> sort_key() const;

  // PutItem (replacing any item with the key); with a condition, DynamoDbError
  // ConditionalCheckFailedException when it does not hold.
  void put_item(const Item& item) const;
  void put_item(const Item& item, const WriteCondition& condition) const;
  // GetItem; nullopt when there is no item with `key`.
  [[nodiscard]] std::optional<Item> get_item(const Item& key, const ReadOptions& options = {}) const;
  // DeleteItem; returns the item deleted, nullopt when there was none.
  std::optional<Item> delete_item(const Item& key) const;
  // EncryptedClient::safe_update_item on this table.
  std::optional<Item> safe_update_item(const Item& key, const std::function<void(Item&)>& change,
                                       SafeUpdateOptions options = {}) const;

  // Query / Scan with `request.table_name` set to this table (ConfigError if it names another).
  // Nothing is sent until the reader's first next(), which throws what EncryptedClient::query /
  // scan throw, refusals of the request included.
  [[nodiscard]] ItemReader query(aws::QueryRequest request) const;
  [[nodiscard]] ItemReader scan(aws::ScanRequest request = {}) const;

  // BatchWriteItem / BatchGetItem over any number of items or keys (see EncryptedClient).
  // batch_get_item returns the items found, in no particular order.
  void batch_put_items(const std::vector<Item>& items) const;
  void batch_delete_items(const std::vector<Item>& keys) const;
  [[nodiscard]] std::vector<Item> batch_get_item(const std::vector<Item>& keys,
                                                 const ReadOptions& options = {}) const;

  // Native JSON forms (one object; FormatError when malformed). Binary and set values have no
  // native JSON form: they come back as base64 strings and arrays (item/native.h).
  void put_json(std::string_view native_item_json) const;
  [[nodiscard]] std::optional<std::string> get_json(std::string_view native_key_json,
                                                    const ReadOptions& options = {}) const;

 private:
  EncryptedTable(std::shared_ptr<const EncryptedClient> client, std::string table_name)
      : client_(std::move(client)), table_name_(std::move(table_name)) {}
  void check_table(const std::string& requested) const;

  std::shared_ptr<const EncryptedClient> client_;
  std::string table_name_;
};

}  // namespace ddbcrypt
