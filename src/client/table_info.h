// What the encrypted client knows about a table: its primary key and secondary indexes, from
// one DescribeTable call per table, cached for the client's lifetime.
//
// Thread-safety: TableInfoCache is safe to call concurrently; concurrent first uses of a table
// share one DescribeTable call.
#pragma once

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddbcrypt/aws/dynamodb_client.h"

namespace ddbcrypt::internal {

struct IndexInfo {
  std::string name;
  bool global = false;
  std::vector<std::string> key_attributes;  // the index's own key schema
  aws::ProjectionType projection = aws::ProjectionType::kAll;
  std::vector<std::string> non_key_attributes;  // with kInclude
};

struct TableInfo {
  std::string table_name;  // as DescribeTable spells it (the name, also when asked by ARN)
  std::string partition_key;
  std::optional<std::string> sort_key;
  std::vector<IndexInfo> indexes;

  // Null when the table has no index of that name.
  const IndexInfo* index(std::string_view name) const;
};

// ConfigError when the description has no HASH key.
[[nodiscard]] TableInfo table_info_from(const aws::TableDescription& description);

class TableInfoCache {
 public:
  explicit TableInfoCache(const aws::DynamoDbClient& client) : client_(client) {}
  TableInfoCache(const TableInfoCache&) = delete;
  TableInfoCache& operator=(const TableInfoCache&) = delete;

  // The table's info; calls DescribeTable on first use. Throws what DescribeTable throws (a
  // failed lookup is not cached).
  [[nodiscard]] std::shared_ptr<const TableInfo> get(const std::string& table_name) const;
  // Forgets a table (after DeleteTable / CreateTable through the client).
  void forget(const std::string& table_name) const;

 private:
  const aws::DynamoDbClient& client_;
  mutable std::mutex mutex_;
  // Table name as requested -> its (possibly still pending) info. Guarded by mutex_.
  mutable std::map<std::string, std::shared_future<std::shared_ptr<const TableInfo>>> tables_;
};

}  // namespace ddbcrypt::internal
