// DynamoDbMetaStore (spec §12.4).
#include "ddbcrypt/materials/dynamodb_meta_store.h"

#include <charconv>
#include <utility>

#include "ddbcrypt/error.h"
#include "materials/meta_item.h"

namespace ddbcrypt {
namespace {

// The key attributes go through placeholders: expressions then never depend on whether a
// name is one of DynamoDB's reserved words.
constexpr const char* kNamePlaceholder = "#n";
constexpr const char* kVersionPlaceholder = "#v";
constexpr const char* kNameValue = ":n";

Item key_of(std::string_view material_name, std::uint64_t version) {
  return Item{
      {std::string(kMetaMaterialNameAttribute), AttributeValue::S(std::string(material_name))},
      {std::string(kMetaVersionAttribute), AttributeValue::N(std::to_string(version))}};
}

DecryptionError missing_version(const std::string& table, std::string_view material_name,
                                std::uint64_t version) {
  return DecryptionError("meta store table \"" + table + "\" has no version " +
                         std::to_string(version) + " of material \"" +
                         std::string(material_name) + "\"");
}

}  // namespace

std::unique_ptr<DynamoDbMetaStore> DynamoDbMetaStore::create(
    std::shared_ptr<const aws::DynamoDbClient> dynamodb, std::string table_name,
    std::shared_ptr<const MaterialsProvider> meta_provider) {
  if (!dynamodb) throw ConfigError("a DynamoDB meta store needs a DynamoDB client");
  return std::unique_ptr<DynamoDbMetaStore>(new DynamoDbMetaStore(
      std::move(dynamodb),
      meta_store_crypto_config(std::move(table_name), std::move(meta_provider))));
}

aws::TableDescription DynamoDbMetaStore::create_table(const aws::DynamoDbClient& dynamodb,
                                                      const std::string& table_name,
                                                      const MetaTableOptions& options) {
  if (table_name.empty()) throw ConfigError("a meta store needs a table name");
  aws::CreateTableRequest request{
      .table_name = table_name,
      .attribute_definitions = {{.attribute_name = std::string(kMetaMaterialNameAttribute),
                                 .attribute_type = aws::ScalarAttributeType::kS},
                                {.attribute_name = std::string(kMetaVersionAttribute),
                                 .attribute_type = aws::ScalarAttributeType::kN}},
      .key_schema = {{.attribute_name = std::string(kMetaMaterialNameAttribute),
                      .key_type = aws::KeyType::kHash},
                     {.attribute_name = std::string(kMetaVersionAttribute),
                      .key_type = aws::KeyType::kRange}},
  };
  if (options.provisioned_throughput) {
    request.billing_mode = aws::BillingMode::kProvisioned;
    request.provisioned_throughput = options.provisioned_throughput;
  } else {
    request.billing_mode = aws::BillingMode::kPayPerRequest;
  }
  aws::CreateTableResult created = dynamodb.create_table(request);
  if (!options.wait) return std::move(created.table_description);
  return aws::wait_until_table_active(dynamodb, table_name, *options.wait);
}

std::shared_ptr<const MaterialsProvider> DynamoDbMetaStore::load_version(
    std::string_view material_name, std::uint64_t version) const {
  aws::GetItemResult result = dynamodb_->get_item(aws::GetItemRequest{
      .table_name = table_name(),
      .key = key_of(material_name, version),
      .consistent_read = true,
  });
  if (!result.item) throw missing_version(table_name(), material_name, version);
  return internal::provider_for_version(*result.item, material_name, version, config_);
}

std::optional<std::uint64_t> DynamoDbMetaStore::max_version(std::string_view material_name) const {
  const aws::QueryResult result = dynamodb_->query(aws::QueryRequest{
      .table_name = table_name(),
      .key_condition_expression = std::string(kNamePlaceholder) + " = " + kNameValue,
      .projection_expression = kVersionPlaceholder,
      .expression_attribute_names = {{kNamePlaceholder, std::string(kMetaMaterialNameAttribute)},
                                     {kVersionPlaceholder, std::string(kMetaVersionAttribute)}},
      .expression_attribute_values = {{kNameValue, AttributeValue::S(std::string(material_name))}},
      .limit = 1,
      .consistent_read = true,
      .scan_index_forward = false,
  });
  if (result.items.empty()) return std::nullopt;
  const auto v = result.items.front().find(std::string(kMetaVersionAttribute));
  std::uint64_t version = 0;
  if (v != result.items.front().end() && v->second.is(AttributeValue::Type::kN)) {
    const std::string& text = v->second.as_n();
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
    if (ec == std::errc() && end == text.data() + text.size()) return version;
  }
  throw DecryptionError("meta store table \"" + table_name() + "\" holds an item of material \"" +
                        std::string(material_name) + "\" whose V is not a non-negative integer");
}

std::shared_ptr<const MaterialsProvider> DynamoDbMetaStore::create_version(
    std::string_view material_name, std::uint64_t version) const {
  internal::NewMetaItem fresh = internal::new_meta_item(material_name, version, config_);
  try {
    dynamodb_->put_item(aws::PutItemRequest{
        .table_name = table_name(),
        .item = std::move(fresh.stored),
        .condition_expression = std::string("attribute_not_exists(") + kNamePlaceholder +
                                ") AND attribute_not_exists(" + kVersionPlaceholder + ")",
        .expression_attribute_names = {{kNamePlaceholder, std::string(kMetaMaterialNameAttribute)},
                                       {kVersionPlaceholder, std::string(kMetaVersionAttribute)}},
    });
  } catch (const DynamoDbError& e) {
    if (!e.is_conditional_check_failed()) throw;
    // Another writer created this version first: theirs is the one every reader will load.
    return load_version(material_name, version);
  }
  return std::move(fresh.provider);
}

}  // namespace ddbcrypt
