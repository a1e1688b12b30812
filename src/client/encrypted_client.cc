// EncryptedClient: construction, pass-through calls, single-item operations, Query and Scan,
// and the safe update. Batches are in batch.cc, transactions in transactions.cc.
#include "ddbcrypt/client/encrypted_client.h"

#include <random>
#include <thread>
#include <utility>

#include "client/encrypted_client_impl.h"
#include "client/errors.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {

using internal::ProjectionPlan;
using internal::ReadShape;
using internal::RequestSite;

// ----- Helpers shared by the client's source files ---------------------------------------------

namespace internal {

void rethrow_decrypting_error_items(const DynamoDbError& error,
                                    const ErrorItemDecryptor& decrypt) {
  const aws::DynamoDbErrorDetails* details = error.details();
  bool has_items = details != nullptr && details->item.has_value();
  if (details != nullptr) {
    for (const auto& reason : details->cancellation_reasons) has_items |= reason.item.has_value();
  }
  if (!has_items) throw error;
  auto copy = std::make_shared<aws::DynamoDbErrorDetails>(*details);
  if (copy->item) copy->item = decrypt(std::nullopt, std::move(*copy->item));
  for (std::size_t i = 0; i < copy->cancellation_reasons.size(); ++i) {
    auto& item = copy->cancellation_reasons[i].item;
    if (item) item = decrypt(i, std::move(*item));
  }
  throw DynamoDbError(error.info(), std::move(copy));
}

void backoff_sleep(int consecutive, std::chrono::milliseconds base,
                   std::chrono::milliseconds cap) {
  if (consecutive <= 0 || base.count() <= 0) return;
  std::chrono::milliseconds limit = base;
  for (int i = 1; i < consecutive && limit < cap; ++i) limit *= 2;
  if (limit > cap) limit = cap;
  std::minstd_rand rng(std::random_device{}());
  std::uniform_int_distribution<std::chrono::milliseconds::rep> pick(0, limit.count());
  std::this_thread::sleep_for(std::chrono::milliseconds(pick(rng)));
}

bool same_key(const Item& a, const Item& b, const CryptoConfig& crypto) {
  if (!crypto.context.partition_key_name) return equivalent(a, b);
  for (const auto* name : {&crypto.context.partition_key_name, &crypto.context.sort_key_name}) {
    if (!*name) continue;
    const auto x = a.find(**name);
    const auto y = b.find(**name);
    if (x == a.end() || y == b.end()) {
      if ((x == a.end()) != (y == b.end())) return false;
      continue;
    }
    if (!equivalent(x->second, y->second)) return false;
  }
  return true;
}

}  // namespace internal

// ----- Construction and configuration ----------------------------------------------------------

std::unique_ptr<EncryptedClient> EncryptedClient::create(
    std::shared_ptr<const aws::DynamoDbClient> client, EncryptedClientConfig config) {
  if (!client) throw ConfigError("EncryptedClient::create: no DynamoDB client");
  if (!config.provider) throw ConfigError("EncryptedClient::create: no materials provider");
  if (config.batch_retry.max_rounds_without_progress < 1) {
    throw ConfigError("EncryptedClient::create: batch_retry.max_rounds_without_progress must be "
                      "at least 1");
  }
  return std::unique_ptr<EncryptedClient>(
      new EncryptedClient(std::make_unique<Impl>(std::move(client), std::move(config))));
}

EncryptedClient::EncryptedClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EncryptedClient::~EncryptedClient() = default;

CryptoConfig EncryptedClient::Impl::config_for(const std::string& table,
                                               const CryptoConfig* override_config) const {
  if (override_config != nullptr) return *override_config;
  const std::shared_ptr<const internal::TableInfo> info = tables.get(table);
  const auto it = config.table_actions.find(table);
  const AttributeActions& actions = it != config.table_actions.end() ? it->second : config.actions;
  try {
    return CryptoConfig{
        .provider = config.provider,
        .context = {.table_name = info->table_name,
                    .partition_key_name = info->partition_key,
                    .sort_key_name = info->sort_key},
        .actions = actions.with_primary_keys(info->partition_key, info->sort_key),
    };
  } catch (const ConfigError& e) {
    throw ConfigError("table \"" + table + "\": " + e.what());
  }
}

const internal::IndexInfo* EncryptedClient::Impl::index_for(
    const RequestSite& site, const std::optional<std::string>& index_name,
    std::shared_ptr<const internal::TableInfo>& holder) const {
  if (!index_name) return nullptr;
  holder = tables.get(std::string(site.table));
  const internal::IndexInfo* index = holder->index(*index_name);
  if (index == nullptr) {
    throw ConfigError(site.describe() + ": the table has no index named \"" + *index_name + "\"");
  }
  return index;
}

Item EncryptedClient::Impl::encrypt(const RequestSite& site, const Item& item,
                                    const CryptoConfig& crypto) const {
  try {
    return encrypt_item(item, crypto);
  } catch (...) {
    internal::rethrow_with_context(site.describe() + ": ");
  }
}

Item EncryptedClient::Impl::decrypt(const RequestSite& site, Item&& item,
                                    const CryptoConfig& crypto, const std::string& what) const {
  try {
    return decrypt_item(std::move(item), crypto);
  } catch (...) {
    internal::rethrow_with_context(site.describe() + ": " + what + ": ");
  }
}

Item EncryptedClient::Impl::decrypt_returned(const RequestSite& site, Item&& item,
                                             const CryptoConfig& crypto) const {
  return decrypt(site, std::move(item), crypto,
                 "the write succeeded, but the item it returned (ReturnValues) could not be "
                 "verified");
}

Item EncryptedClient::Impl::decrypt_read(const RequestSite& site, Item&& item,
                                         const CryptoConfig& crypto, const ProjectionPlan& plan,
                                         const std::string& what) const {
  Item plain = decrypt(site, std::move(item), crypto, what);
  if (!plan.keep) return plain;
  return internal::project_item(plain, *plan.keep);
}

// ----- Single-item operations ------------------------------------------------------------------

namespace {

internal::ErrorItemDecryptor single_item_decryptor(const CryptoConfig& crypto) {
  return [&crypto](std::optional<std::size_t>, Item&& item) -> std::optional<Item> {
    try {
      return decrypt_item(std::move(item), crypto);
    } catch (const Error&) {
      return std::nullopt;
    }
  };
}

}  // namespace

aws::GetItemResult EncryptedClient::Impl::get_item(const aws::GetItemRequest& request,
                                                   const CryptoConfig* o) const {
  const RequestSite site{"GetItem", request.table_name};
  const CryptoConfig crypto = config_for(request.table_name, o);
  const ProjectionPlan plan = internal::plan_projection(
      site, crypto, nullptr,
      ReadShape{request.projection_expression, request.attributes_to_get, std::nullopt,
                request.expression_attribute_names},
      {});
  aws::GetItemRequest send = request;
  send.projection_expression = plan.send.projection_expression;
  send.attributes_to_get = plan.send.attributes_to_get;
  send.expression_attribute_names = plan.send.names;
  aws::GetItemResult result = raw->get_item(send);
  if (result.item) {
    result.item = decrypt_read(site, std::move(*result.item), crypto, plan, "the item read");
  }
  return result;
}

aws::PutItemResult EncryptedClient::Impl::put_item(const aws::PutItemRequest& request,
                                                   const CryptoConfig* o) const {
  const RequestSite site{"PutItem", request.table_name};
  const CryptoConfig crypto = config_for(request.table_name, o);
  internal::check_condition_expression(site, "ConditionExpression", request.condition_expression,
                                       request.expression_attribute_names, crypto);
  internal::check_legacy_expected(site, request.expected, crypto);
  // Built member by member so that the plaintext item is not copied.
  const aws::PutItemRequest send{
      .table_name = request.table_name,
      .item = encrypt(site, request.item, crypto),
      .condition_expression = request.condition_expression,
      .expression_attribute_names = request.expression_attribute_names,
      .expression_attribute_values = request.expression_attribute_values,
      .return_values = request.return_values,
      .return_consumed_capacity = request.return_consumed_capacity,
      .return_item_collection_metrics = request.return_item_collection_metrics,
      .return_values_on_condition_check_failure = request.return_values_on_condition_check_failure,
      .expected = request.expected,
      .conditional_operator = request.conditional_operator,
  };
  aws::PutItemResult result = internal::decrypting_error_items(
      [&] { return raw->put_item(send); }, single_item_decryptor(crypto));
  if (result.attributes) {
    result.attributes = decrypt_returned(site, std::move(*result.attributes), crypto);
  }
  return result;
}

aws::DeleteItemResult EncryptedClient::Impl::delete_item(const aws::DeleteItemRequest& request,
                                                         const CryptoConfig* o) const {
  const RequestSite site{"DeleteItem", request.table_name};
  const CryptoConfig crypto = config_for(request.table_name, o);
  internal::check_condition_expression(site, "ConditionExpression", request.condition_expression,
                                       request.expression_attribute_names, crypto);
  internal::check_legacy_expected(site, request.expected, crypto);
  aws::DeleteItemResult result = internal::decrypting_error_items(
      [&] { return raw->delete_item(request); }, single_item_decryptor(crypto));
  if (result.attributes) {
    result.attributes = decrypt_returned(site, std::move(*result.attributes), crypto);
  }
  return result;
}

aws::UpdateItemResult EncryptedClient::Impl::update_item(const aws::UpdateItemRequest& request,
                                                         const CryptoConfig* o) const {
  const RequestSite site{"UpdateItem", request.table_name};
  const CryptoConfig crypto = config_for(request.table_name, o);
  if (crypto.actions.is_noop()) return raw->update_item(request);
  internal::check_update(site, request.update_expression, request.expression_attribute_names,
                         request.attribute_updates, crypto);
  internal::check_condition_expression(site, "ConditionExpression", request.condition_expression,
                                       request.expression_attribute_names, crypto);
  internal::check_legacy_expected(site, request.expected, crypto);
  aws::UpdateItemRequest send = request;
  const bool legacy = !send.attribute_updates.empty() || !send.expected.empty();
  internal::require_signed_item(site, send.condition_expression, send.expression_attribute_names,
                                send.expected, send.conditional_operator, legacy);
  aws::UpdateItemResult result = internal::decrypting_error_items(
      [&] { return raw->update_item(send); }, single_item_decryptor(crypto));
  // UPDATED_OLD / UPDATED_NEW hold only the DO_NOTHING attributes the update touched; the
  // whole-item forms carry the signature and verify as stored.
  if (result.attributes && (request.return_values == aws::ReturnValue::kAllOld ||
                            request.return_values == aws::ReturnValue::kAllNew)) {
    result.attributes = decrypt_returned(site, std::move(*result.attributes), crypto);
  }
  return result;
}

// ----- Query and Scan --------------------------------------------------------------------------

namespace {

std::set<std::string> placeholders_of(const internal::ParsedExpression& a,
                                      const internal::ParsedExpression& b) {
  std::set<std::string> out = a.name_placeholders;
  out.insert(b.name_placeholders.begin(), b.name_placeholders.end());
  return out;
}

template <class Result>
void decrypt_page(const EncryptedClient::Impl& impl, const RequestSite& site, Result& page,
                  const CryptoConfig& crypto, const ProjectionPlan& plan) {
  for (std::size_t i = 0; i < page.items.size(); ++i) {
    page.items[i] = impl.decrypt_read(site, std::move(page.items[i]), crypto, plan,
                                      "item " + std::to_string(i) + " of the page");
  }
}

}  // namespace

aws::QueryResult EncryptedClient::Impl::query(const aws::QueryRequest& request,
                                              const CryptoConfig* o) const {
  const RequestSite site{"Query", request.table_name};
  const CryptoConfig crypto = config_for(request.table_name, o);
  if (crypto.actions.is_noop()) return raw->query(request);
  const auto& names = request.expression_attribute_names;
  const auto key_condition = internal::check_condition_expression(
      site, "KeyConditionExpression", request.key_condition_expression, names, crypto);
  const auto filter = internal::check_condition_expression(site, "FilterExpression",
                                                           request.filter_expression, names, crypto);
  internal::check_legacy_conditions(site, "KeyConditions", request.key_conditions, crypto);
  internal::check_legacy_conditions(site, "QueryFilter", request.query_filter, crypto);
  std::shared_ptr<const internal::TableInfo> holder;
  const internal::IndexInfo* index = index_for(site, request.index_name, holder);
  const ProjectionPlan plan = internal::plan_projection(
      site, crypto, index,
      ReadShape{request.projection_expression, request.attributes_to_get, request.select, names},
      placeholders_of(key_condition, filter));
  aws::QueryRequest send = request;
  send.projection_expression = plan.send.projection_expression;
  send.attributes_to_get = plan.send.attributes_to_get;
  send.select = plan.send.select;
  send.expression_attribute_names = plan.send.names;
  aws::QueryResult result = raw->query(send);
  decrypt_page(*this, site, result, crypto, plan);
  return result;
}

aws::ScanResult EncryptedClient::Impl::scan(const aws::ScanRequest& request,
                                            const CryptoConfig* o) const {
  const RequestSite site{"Scan", request.table_name};
  const CryptoConfig crypto = config_for(request.table_name, o);
  if (crypto.actions.is_noop()) return raw->scan(request);
  const auto& names = request.expression_attribute_names;
  const auto filter = internal::check_condition_expression(site, "FilterExpression",
                                                           request.filter_expression, names, crypto);
  internal::check_legacy_conditions(site, "ScanFilter", request.scan_filter, crypto);
  std::shared_ptr<const internal::TableInfo> holder;
  const internal::IndexInfo* index = index_for(site, request.index_name, holder);
  const ProjectionPlan plan = internal::plan_projection(
      site, crypto, index,
      ReadShape{request.projection_expression, request.attributes_to_get, request.select, names},
      filter.name_placeholders);
  aws::ScanRequest send = request;
  send.projection_expression = plan.send.projection_expression;
  send.attributes_to_get = plan.send.attributes_to_get;
  send.select = plan.send.select;
  send.expression_attribute_names = plan.send.names;
  aws::ScanResult result = raw->scan(send);
  decrypt_page(*this, site, result, crypto, plan);
  return result;
}

// ----- Safe update -----------------------------------------------------------------------------

std::optional<Item> EncryptedClient::Impl::safe_update_item(
    const std::string& table_name, const Item& key, const std::function<void(Item&)>& change,
    const SafeUpdateOptions& options) const {
  const RequestSite site{"safe_update_item", table_name};
  if (!change) throw ConfigError(site.describe() + ": no change function");
  if (options.max_attempts < 1) {
    throw ConfigError(site.describe() + ": max_attempts must be at least 1");
  }
  const CryptoConfig crypto = config_for(table_name, nullptr);
  if (crypto.actions.is_noop()) {
    throw ConfigError(site.describe() +
                      ": the table's actions sign nothing, so there is no signature to detect "
                      "a concurrent writer by; use UpdateItem with a condition instead");
  }
  for (int attempt = 1;; ++attempt) {
    aws::GetItemResult read =
        raw->get_item({.table_name = table_name, .key = key, .consistent_read = true});
    if (!read.item) return std::nullopt;
    const auto signature = read.item->find(std::string(kSignatureAttribute));
    if (signature == read.item->end()) {
      throw DecryptionError(site.describe() + ": the stored item has no signature (" +
                            std::string(kSignatureAttribute) + ")");
    }
    const AttributeValue old_signature = signature->second;
    Item plain = decrypt(site, std::move(*read.item), crypto, "the item read");
    Item changed = plain;
    change(changed);
    for (const auto* name : {&crypto.context.partition_key_name, &crypto.context.sort_key_name}) {
      if (!*name) continue;
      const auto before = plain.find(**name);
      const auto after = changed.find(**name);
      if (after == changed.end() || before == plain.end() || !(after->second == before->second)) {
        throw ConfigError(site.describe() + ": the change function altered the primary key "
                          "attribute \"" + **name + "\" (write a new item and delete the old "
                          "one instead)");
      }
    }
    aws::PutItemRequest put{.table_name = table_name, .item = encrypt(site, changed, crypto)};
    put.expression_attribute_names.emplace("#ddbcrypt_sig", std::string(kSignatureAttribute));
    put.expression_attribute_values.emplace(":ddbcrypt_sig", old_signature);
    put.condition_expression = "#ddbcrypt_sig = :ddbcrypt_sig";
    try {
      (void)raw->put_item(put);
      return changed;
    } catch (const DynamoDbError& e) {
      if (!e.is_conditional_check_failed()) throw;
      if (attempt < options.max_attempts) {
        internal::backoff_sleep(attempt, options.retry_delay, std::chrono::seconds(5));
        continue;
      }
      AwsErrorInfo info = e.info();
      info.message = site.describe() + ": another writer changed or deleted the item between "
                     "the read and the conditional write (" + std::to_string(attempt) +
                     (attempt == 1 ? " attempt" : " attempts") +
                     "); nothing was overwritten. Read it again, or allow more attempts "
                     "(SafeUpdateOptions::max_attempts)";
      throw DynamoDbError(std::move(info));
    }
  }
}

// ----- The public face -------------------------------------------------------------------------

aws::GetItemResult EncryptedClient::get_item(const aws::GetItemRequest& r) const {
  return impl_->get_item(r, nullptr);
}
aws::PutItemResult EncryptedClient::put_item(const aws::PutItemRequest& r) const {
  return impl_->put_item(r, nullptr);
}
aws::DeleteItemResult EncryptedClient::delete_item(const aws::DeleteItemRequest& r) const {
  return impl_->delete_item(r, nullptr);
}
aws::UpdateItemResult EncryptedClient::update_item(const aws::UpdateItemRequest& r) const {
  return impl_->update_item(r, nullptr);
}
aws::QueryResult EncryptedClient::query(const aws::QueryRequest& r) const {
  return impl_->query(r, nullptr);
}
aws::ScanResult EncryptedClient::scan(const aws::ScanRequest& r) const {
  return impl_->scan(r, nullptr);
}
aws::BatchGetItemResult EncryptedClient::batch_get_item(const aws::BatchGetItemRequest& r) const {
  return impl_->batch_get_item(r, nullptr);
}
aws::BatchWriteItemResult EncryptedClient::batch_write_item(
    const aws::BatchWriteItemRequest& r) const {
  return impl_->batch_write_item(r, nullptr);
}
aws::TransactGetItemsResult EncryptedClient::transact_get_items(
    const aws::TransactGetItemsRequest& r) const {
  return impl_->transact_get_items(r, nullptr);
}
aws::TransactWriteItemsResult EncryptedClient::transact_write_items(
    const aws::TransactWriteItemsRequest& r) const {
  return impl_->transact_write_items(r, nullptr);
}

aws::GetItemResult EncryptedClient::get_item(const aws::GetItemRequest& r,
                                             const CryptoConfig& c) const {
  return impl_->get_item(r, &c);
}
aws::PutItemResult EncryptedClient::put_item(const aws::PutItemRequest& r,
                                             const CryptoConfig& c) const {
  return impl_->put_item(r, &c);
}
aws::DeleteItemResult EncryptedClient::delete_item(const aws::DeleteItemRequest& r,
                                                   const CryptoConfig& c) const {
  return impl_->delete_item(r, &c);
}
aws::UpdateItemResult EncryptedClient::update_item(const aws::UpdateItemRequest& r,
                                                   const CryptoConfig& c) const {
  return impl_->update_item(r, &c);
}
aws::QueryResult EncryptedClient::query(const aws::QueryRequest& r, const CryptoConfig& c) const {
  return impl_->query(r, &c);
}
aws::ScanResult EncryptedClient::scan(const aws::ScanRequest& r, const CryptoConfig& c) const {
  return impl_->scan(r, &c);
}
aws::BatchGetItemResult EncryptedClient::batch_get_item(const aws::BatchGetItemRequest& r,
                                                        const CryptoConfig& c) const {
  return impl_->batch_get_item(r, &c);
}
aws::BatchWriteItemResult EncryptedClient::batch_write_item(const aws::BatchWriteItemRequest& r,
                                                            const CryptoConfig& c) const {
  return impl_->batch_write_item(r, &c);
}
aws::TransactGetItemsResult EncryptedClient::transact_get_items(
    const aws::TransactGetItemsRequest& r, const CryptoConfig& c) const {
  return impl_->transact_get_items(r, &c);
}
aws::TransactWriteItemsResult EncryptedClient::transact_write_items(
    const aws::TransactWriteItemsRequest& r, const CryptoConfig& c) const {
  return impl_->transact_write_items(r, &c);
}

std::optional<Item> EncryptedClient::safe_update_item(const std::string& table_name,
                                                      const Item& key,
                                                      const std::function<void(Item&)>& change,
                                                      SafeUpdateOptions options) const {
  return impl_->safe_update_item(table_name, key, change, options);
}

aws::CreateTableResult EncryptedClient::create_table(const aws::CreateTableRequest& r) const {
  impl_->tables.forget(r.table_name);
  return impl_->raw->create_table(r);
}
aws::DescribeTableResult EncryptedClient::describe_table(const aws::DescribeTableRequest& r) const {
  return impl_->raw->describe_table(r);
}
aws::DeleteTableResult EncryptedClient::delete_table(const aws::DeleteTableRequest& r) const {
  impl_->tables.forget(r.table_name);
  return impl_->raw->delete_table(r);
}
aws::ListTablesResult EncryptedClient::list_tables(const aws::ListTablesRequest& r) const {
  return impl_->raw->list_tables(r);
}
const std::string& EncryptedClient::region() const noexcept { return impl_->raw->region(); }

CryptoConfig EncryptedClient::crypto_config(const std::string& table_name) const {
  return impl_->config_for(table_name, nullptr);
}
const aws::DynamoDbClient& EncryptedClient::raw_client() const noexcept { return *impl_->raw; }

}  // namespace ddbcrypt
