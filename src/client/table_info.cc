#include "client/table_info.h"

#include <exception>
#include <utility>

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

std::vector<std::string> key_names(const std::vector<aws::KeySchemaElement>& schema) {
  std::vector<std::string> out;
  out.reserve(schema.size());
  for (const auto& e : schema) out.push_back(e.attribute_name);
  return out;
}

}  // namespace

const IndexInfo* TableInfo::index(std::string_view name) const {
  for (const IndexInfo& i : indexes) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

TableInfo table_info_from(const aws::TableDescription& description) {
  TableInfo info;
  info.table_name = description.table_name;
  for (const auto& e : description.key_schema) {
    if (e.key_type == aws::KeyType::kHash) {
      info.partition_key = e.attribute_name;
    } else {
      info.sort_key = e.attribute_name;
    }
  }
  if (info.partition_key.empty()) {
    throw ConfigError("DescribeTable of table \"" + description.table_name +
                      "\" returned no partition (HASH) key");
  }
  for (const auto& g : description.global_secondary_indexes) {
    info.indexes.push_back(IndexInfo{
        .name = g.index_name,
        .global = true,
        .key_attributes = key_names(g.key_schema),
        .projection = g.projection.projection_type.value_or(aws::ProjectionType::kAll),
        .non_key_attributes = g.projection.non_key_attributes,
    });
  }
  for (const auto& l : description.local_secondary_indexes) {
    info.indexes.push_back(IndexInfo{
        .name = l.index_name,
        .global = false,
        .key_attributes = key_names(l.key_schema),
        .projection = l.projection.projection_type.value_or(aws::ProjectionType::kAll),
        .non_key_attributes = l.projection.non_key_attributes,
    });
  }
  return info;
}

std::shared_ptr<const TableInfo> TableInfoCache::get(const std::string& table_name) const {
  std::promise<std::shared_ptr<const TableInfo>> promise;
  std::shared_future<std::shared_ptr<const TableInfo>> future;
  bool owner = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = tables_.find(table_name);
    if (it != tables_.end()) {
      future = it->second;
    } else {
      future = promise.get_future().share();
      tables_.emplace(table_name, future);
      owner = true;
    }
  }
  if (owner) {
    // The call is made outside the lock; threads asking for the same table wait on the
    // future instead of calling DescribeTable again.
    try {
      auto info = std::make_shared<const TableInfo>(
          table_info_from(client_.describe_table({.table_name = table_name}).table));
      promise.set_value(std::move(info));
    } catch (...) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        tables_.erase(table_name);
      }
      promise.set_exception(std::current_exception());
    }
  }
  return future.get();
}

void TableInfoCache::forget(const std::string& table_name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  tables_.erase(table_name);
}

}  // namespace ddbcrypt::internal
