// TransactWriteItems and TransactGetItems, encrypted and decrypted (the reference libraries
// pass transactions through as they are).
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "client/encrypted_client_impl.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {

using internal::RequestSite;

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

const std::string& table_of(const aws::TransactWriteItem& item) {
  return std::visit([](const auto& action) -> const std::string& { return action.table_name; },
                    item);
}

}  // namespace

aws::TransactWriteItemsResult EncryptedClient::Impl::transact_write_items(
    const aws::TransactWriteItemsRequest& request, const CryptoConfig* o) const {
  aws::TransactWriteItemsRequest send{
      .client_request_token = request.client_request_token,
      .return_consumed_capacity = request.return_consumed_capacity,
      .return_item_collection_metrics = request.return_item_collection_metrics,
  };
  std::vector<CryptoConfig> configs;
  configs.reserve(request.transact_items.size());
  send.transact_items.reserve(request.transact_items.size());
  for (const aws::TransactWriteItem& item : request.transact_items) {
    const std::string& table = table_of(item);
    const RequestSite site{"TransactWriteItems", table};
    const CryptoConfig& crypto = configs.emplace_back(config_for(table, o));
    send.transact_items.push_back(std::visit(
        Overloaded{
            [&](const aws::TransactPut& put) -> aws::TransactWriteItem {
              internal::check_condition_expression(site, "ConditionExpression",
                                                   put.condition_expression,
                                                   put.expression_attribute_names, crypto);
              return aws::TransactPut{
                  .table_name = put.table_name,
                  .item = encrypt(site, put.item, crypto),
                  .condition_expression = put.condition_expression,
                  .expression_attribute_names = put.expression_attribute_names,
                  .expression_attribute_values = put.expression_attribute_values,
                  .return_values_on_condition_check_failure =
                      put.return_values_on_condition_check_failure,
              };
            },
            [&](const aws::TransactUpdate& update) -> aws::TransactWriteItem {
              if (crypto.actions.is_noop()) return update;
              internal::check_update(site, update.update_expression,
                                     update.expression_attribute_names, {}, crypto);
              internal::check_condition_expression(site, "ConditionExpression",
                                                   update.condition_expression,
                                                   update.expression_attribute_names, crypto);
              aws::TransactUpdate guarded = update;
              std::map<std::string, aws::ExpectedAttributeValue> no_expected;
              internal::require_signed_item(site, guarded.condition_expression,
                                            guarded.expression_attribute_names, no_expected,
                                            std::nullopt, false);
              return guarded;
            },
            [&](const aws::TransactDelete& del) -> aws::TransactWriteItem {
              internal::check_condition_expression(site, "ConditionExpression",
                                                   del.condition_expression,
                                                   del.expression_attribute_names, crypto);
              return del;
            },
            [&](const aws::TransactConditionCheck& check) -> aws::TransactWriteItem {
              internal::check_condition_expression(site, "ConditionExpression",
                                                   check.condition_expression,
                                                   check.expression_attribute_names, crypto);
              return check;
            },
        },
        item));
  }
  return internal::decrypting_error_items(
      [&] { return raw->transact_write_items(send); },
      [&](std::optional<std::size_t> index, Item&& item) -> std::optional<Item> {
        if (!index || *index >= configs.size()) return std::nullopt;
        try {
          return decrypt_item(std::move(item), configs[*index]);
        } catch (const Error&) {
          return std::nullopt;
        }
      });
}

aws::TransactGetItemsResult EncryptedClient::Impl::transact_get_items(
    const aws::TransactGetItemsRequest& request, const CryptoConfig* o) const {
  aws::TransactGetItemsRequest send{.return_consumed_capacity = request.return_consumed_capacity};
  std::vector<CryptoConfig> configs;
  std::vector<internal::ProjectionPlan> plans;
  configs.reserve(request.transact_items.size());
  plans.reserve(request.transact_items.size());
  for (const aws::TransactGet& get : request.transact_items) {
    const RequestSite site{"TransactGetItems", get.table_name};
    const CryptoConfig& crypto = configs.emplace_back(config_for(get.table_name, o));
    const internal::ProjectionPlan& plan = plans.emplace_back(internal::plan_projection(
        site, crypto, nullptr,
        internal::ReadShape{get.projection_expression, {}, std::nullopt,
                            get.expression_attribute_names},
        {}));
    send.transact_items.push_back(aws::TransactGet{
        .table_name = get.table_name,
        .key = get.key,
        .projection_expression = plan.send.projection_expression,
        .expression_attribute_names = plan.send.names,
    });
  }
  aws::TransactGetItemsResult result = raw->transact_get_items(send);
  for (std::size_t i = 0; i < result.responses.size() && i < configs.size(); ++i) {
    auto& item = result.responses[i];
    if (!item) continue;
    const RequestSite site{"TransactGetItems", request.transact_items[i].table_name};
    item = decrypt_read(site, std::move(*item), configs[i], plans[i],
                        "item " + std::to_string(i) + " of the transaction");
  }
  return result;
}

}  // namespace ddbcrypt
