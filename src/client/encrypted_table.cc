#include "ddbcrypt/client/encrypted_table.h"

#include <utility>

#include "ddbcrypt/error.h"
#include "ddbcrypt/item/native.h"

namespace ddbcrypt {

ItemReader::ItemReader(std::shared_ptr<const EncryptedClient> client, aws::QueryRequest request)
    : client_(std::move(client)),
      pager_(std::in_place_type<aws::QueryPager>, *client_, std::move(request)) {}

ItemReader::ItemReader(std::shared_ptr<const EncryptedClient> client, aws::ScanRequest request)
    : client_(std::move(client)),
      pager_(std::in_place_type<aws::ScanPager>, *client_, std::move(request)) {}

std::optional<Item> ItemReader::next() {
  // Pages may be empty and still not be the last.
  while (next_ >= page_.size()) {
    page_.clear();
    next_ = 0;
    const bool more = std::visit(
        [this](auto& pager) {
          auto page = pager.next_page();
          if (!page) return false;
          ++pages_;
          scanned_ += page->scanned_count;
          page_ = std::move(page->items);
          return true;
        },
        pager_);
    if (!more) return std::nullopt;
  }
  ++returned_;
  return std::move(page_[next_++]);
}

std::unique_ptr<EncryptedTable> EncryptedTable::create(
    std::shared_ptr<const EncryptedClient> client, std::string table_name) {
  if (!client) throw ConfigError("EncryptedTable::create: no client");
  if (table_name.empty()) throw ConfigError("EncryptedTable::create: empty table name");
  return std::unique_ptr<EncryptedTable>(
      new EncryptedTable(std::move(client), std::move(table_name)));
}

void EncryptedTable::check_table(const std::string& requested) const {
  if (!requested.empty() && requested != table_name_) {
    throw ConfigError("EncryptedTable \"" + table_name_ + "\": the request names table \"" +
                      requested + "\"");
  }
}

std::string EncryptedTable::partition_key() const {
  return client_->crypto_config(table_name_).context.partition_key_name.value_or("");
}

std::optional<std::string> EncryptedTable::sort_key() const {
  return client_->crypto_config(table_name_).context.sort_key_name;
}

void EncryptedTable::put_item(const Item& item) const {
  (void)client_->put_item({.table_name = table_name_, .item = item});
}

void EncryptedTable::put_item(const Item& item, const WriteCondition& condition) const {
  (void)client_->put_item({.table_name = table_name_,
                           .item = item,
                           .condition_expression = condition.expression,
                           .expression_attribute_names = condition.expression_attribute_names,
                           .expression_attribute_values = condition.expression_attribute_values});
}

std::optional<Item> EncryptedTable::get_item(const Item& key, const ReadOptions& options) const {
  return client_
      ->get_item({.table_name = table_name_,
                  .key = key,
                  .consistent_read = options.consistent_read ? std::optional(true) : std::nullopt,
                  .projection_expression = options.projection_expression,
                  .expression_attribute_names = options.expression_attribute_names})
      .item;
}

std::optional<Item> EncryptedTable::delete_item(const Item& key) const {
  return client_
      ->delete_item(
          {.table_name = table_name_, .key = key, .return_values = aws::ReturnValue::kAllOld})
      .attributes;
}

std::optional<Item> EncryptedTable::safe_update_item(const Item& key,
                                                     const std::function<void(Item&)>& change,
                                                     SafeUpdateOptions options) const {
  return client_->safe_update_item(table_name_, key, change, options);
}

ItemReader EncryptedTable::query(aws::QueryRequest request) const {
  check_table(request.table_name);
  request.table_name = table_name_;
  return ItemReader(client_, std::move(request));
}

ItemReader EncryptedTable::scan(aws::ScanRequest request) const {
  check_table(request.table_name);
  request.table_name = table_name_;
  return ItemReader(client_, std::move(request));
}

void EncryptedTable::batch_put_items(const std::vector<Item>& items) const {
  aws::BatchWriteItemRequest request;
  auto& writes = request.request_items[table_name_];
  writes.reserve(items.size());
  for (const Item& item : items) writes.push_back(aws::PutRequest{item});
  (void)client_->batch_write_item(request);
}

void EncryptedTable::batch_delete_items(const std::vector<Item>& keys) const {
  aws::BatchWriteItemRequest request;
  auto& writes = request.request_items[table_name_];
  writes.reserve(keys.size());
  for (const Item& key : keys) writes.push_back(aws::DeleteRequest{key});
  (void)client_->batch_write_item(request);
}

std::vector<Item> EncryptedTable::batch_get_item(const std::vector<Item>& keys,
                                                 const ReadOptions& options) const {
  aws::BatchGetItemRequest request;
  aws::KeysAndAttributes& entry = request.request_items[table_name_];
  entry.keys = keys;
  if (options.consistent_read) entry.consistent_read = true;
  entry.projection_expression = options.projection_expression;
  entry.expression_attribute_names = options.expression_attribute_names;
  aws::BatchGetItemResult result = client_->batch_get_item(request);
  return std::move(result.responses[table_name_]);
}

void EncryptedTable::put_json(std::string_view native_item_json) const {
  put_item(parse_native_json_item(native_item_json));
}

std::optional<std::string> EncryptedTable::get_json(std::string_view native_key_json,
                                                    const ReadOptions& options) const {
  std::optional<Item> item = get_item(parse_native_json_item(native_key_json), options);
  if (!item) return std::nullopt;
  return to_native_json(*item);
}

}  // namespace ddbcrypt
