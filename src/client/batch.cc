// BatchWriteItem and BatchGetItem over any number of entries: requests of at most 25 writes /
// 100 keys, unprocessed entries re-sent with backoff until everything landed or the rounds
// stop making progress.
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "client/encrypted_client_impl.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {

using internal::RequestSite;

namespace {

// DynamoDB's limits per request.
constexpr std::size_t kMaxWritesPerRequest = 25;
constexpr std::size_t kMaxKeysPerRequest = 100;
constexpr std::size_t kMaxPositionsListed = 20;

struct PendingWrite {
  std::string table;
  std::size_t position = 0;  // in the caller's request_items[table]
  aws::WriteRequest request;
};

struct PendingKey {
  std::string table;
  std::size_t position = 0;
  Item key;
};

const Item& key_of(const aws::WriteRequest& w) {
  if (const auto* put = std::get_if<aws::PutRequest>(&w)) return put->item;
  return std::get<aws::DeleteRequest>(w).key;
}

const char* kind_of(const aws::WriteRequest& w) {
  return std::holds_alternative<aws::PutRequest>(w) ? "PutRequest" : "DeleteRequest";
}

std::string position_of(const PendingWrite& w) {
  return std::to_string(w.position) + " (" + kind_of(w.request) + ")";
}
std::string position_of(const PendingKey& k) { return std::to_string(k.position); }

// "table "a": positions 3 (PutRequest), 7 (DeleteRequest); table "b": ..." without values.
template <class Pending>
std::string list_positions(const std::deque<Pending>& left) {
  std::map<std::string, std::vector<const Pending*>> by_table;
  for (const Pending& p : left) by_table[p.table].push_back(&p);
  std::string out;
  for (const auto& [table, entries] : by_table) {
    if (!out.empty()) out += "; ";
    out += "table \"" + table + "\" position" + (entries.size() == 1 ? " " : "s ");
    for (std::size_t i = 0; i < entries.size() && i < kMaxPositionsListed; ++i) {
      if (i > 0) out += ", ";
      out += position_of(*entries[i]);
    }
    if (entries.size() > kMaxPositionsListed) {
      out += " and " + std::to_string(entries.size() - kMaxPositionsListed) + " more";
    }
  }
  return out;
}

// Gives up: what did not land, by table and position in the caller's request.
template <class Pending>
[[noreturn]] void throw_incomplete(const char* operation, const char* noun, std::size_t total,
                                   std::size_t landed, const std::deque<Pending>& left, int rounds,
                                   const DynamoDbError* cause) {
  AwsErrorInfo info;
  info.error_code = "IncompleteBatch";
  info.retryable = true;
  info.attempts = rounds;
  std::string why;
  if (cause != nullptr) {
    if (!cause->retryable()) {
      info.error_code = cause->error_code();
      info.retryable = false;
    }
    info.http_status = cause->http_status();
    info.request_id = cause->request_id();
    why = "; the last request failed: " + std::string(cause->what());
  } else {
    why = "; DynamoDB kept returning them unprocessed";
  }
  info.message = std::string(operation) + ": " + std::to_string(left.size()) + " of " +
                 std::to_string(total) + " " + noun + " did not land after " +
                 std::to_string(rounds) + (rounds == 1 ? " round" : " rounds") + " (" +
                 std::to_string(landed) + " did): " + list_positions(left) + why;
  throw DynamoDbError(std::move(info));
}

template <class Pending>
void push_front_in_order(std::deque<Pending>& queue, std::vector<Pending>&& entries) {
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) queue.push_front(std::move(*it));
}

void add_capacity(std::vector<aws::ConsumedCapacity>& into,
                  std::vector<aws::ConsumedCapacity>&& more) {
  for (auto& c : more) into.push_back(std::move(c));
}

}  // namespace

aws::BatchWriteItemResult EncryptedClient::Impl::batch_write_item(
    const aws::BatchWriteItemRequest& request, const CryptoConfig* o) const {
  std::map<std::string, CryptoConfig> configs;
  std::deque<PendingWrite> pending;
  for (const auto& [table, writes] : request.request_items) {
    const RequestSite site{"BatchWriteItem", table};
    const CryptoConfig& crypto = configs.emplace(table, config_for(table, o)).first->second;
    for (std::size_t i = 0; i < writes.size(); ++i) {
      if (const auto* put = std::get_if<aws::PutRequest>(&writes[i])) {
        pending.push_back(PendingWrite{
            table, i,
            aws::PutRequest{encrypt(site, put->item, crypto)}});
      } else {
        pending.push_back(PendingWrite{table, i, writes[i]});  // keys are never encrypted
      }
    }
  }
  const std::size_t total = pending.size();
  std::size_t landed = 0;
  int rounds = 0;
  int without_progress = 0;
  int consecutive_unprocessed = 0;
  aws::BatchWriteItemResult result;
  const BatchRetryOptions& retry = config.batch_retry;

  while (!pending.empty()) {
    std::vector<PendingWrite> batch;
    aws::BatchWriteItemRequest send{
        .return_consumed_capacity = request.return_consumed_capacity,
        .return_item_collection_metrics = request.return_item_collection_metrics,
    };
    while (!pending.empty() && batch.size() < kMaxWritesPerRequest) {
      send.request_items[pending.front().table].push_back(pending.front().request);
      batch.push_back(std::move(pending.front()));
      pending.pop_front();
    }
    ++rounds;
    aws::BatchWriteItemResult round;
    try {
      round = raw->batch_write_item(send);
    } catch (const DynamoDbError& e) {
      push_front_in_order(pending, std::move(batch));
      if (!e.retryable()) {
        if (landed == 0) throw;
        throw_incomplete("BatchWriteItem", "writes", total, landed, pending, rounds, &e);
      }
      if (++without_progress >= retry.max_rounds_without_progress) {
        throw_incomplete("BatchWriteItem", "writes", total, landed, pending, rounds, &e);
      }
      internal::backoff_sleep(++consecutive_unprocessed, retry.base_delay, retry.max_delay);
      continue;
    }
    add_capacity(result.consumed_capacity, std::move(round.consumed_capacity));
    for (auto& [table, metrics] : round.item_collection_metrics) {
      auto& into = result.item_collection_metrics[table];
      for (auto& m : metrics) into.push_back(std::move(m));
    }

    // Match what came back unprocessed to what was sent, by table and primary key (a batch
    // never holds two writes to one item), so that the caller's positions can be reported.
    std::vector<bool> unprocessed(batch.size(), false);
    for (const auto& [table, writes] : round.unprocessed_items) {
      const auto config_it = configs.find(table);
      for (const aws::WriteRequest& w : writes) {
        bool matched = false;
        for (std::size_t i = 0; i < batch.size() && !matched; ++i) {
          if (unprocessed[i] || batch[i].table != table ||
              batch[i].request.index() != w.index() || config_it == configs.end()) {
            continue;
          }
          if (internal::same_key(key_of(batch[i].request), key_of(w), config_it->second)) {
            unprocessed[i] = matched = true;
          }
        }
        if (!matched) {
          throw DynamoDbError(AwsErrorInfo{
              .error_code = "InvalidResponse",
              .message = "BatchWriteItem: DynamoDB returned an unprocessed write for table \"" +
                         table + "\" that was not in the request",
          });
        }
      }
    }
    std::vector<PendingWrite> left;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (unprocessed[i]) left.push_back(std::move(batch[i]));
    }
    const std::size_t done = batch.size() - left.size();
    landed += done;
    if (left.empty()) {
      consecutive_unprocessed = 0;
      without_progress = 0;
      continue;
    }
    without_progress = done == 0 ? without_progress + 1 : 0;
    push_front_in_order(pending, std::move(left));
    if (without_progress >= retry.max_rounds_without_progress) {
      throw_incomplete("BatchWriteItem", "writes", total, landed, pending, rounds, nullptr);
    }
    internal::backoff_sleep(++consecutive_unprocessed, retry.base_delay, retry.max_delay);
  }
  return result;
}

aws::BatchGetItemResult EncryptedClient::Impl::batch_get_item(
    const aws::BatchGetItemRequest& request, const CryptoConfig* o) const {
  struct TablePlan {
    CryptoConfig crypto;
    internal::ProjectionPlan plan;
    std::optional<bool> consistent_read;
  };
  std::map<std::string, TablePlan> plans;
  std::deque<PendingKey> pending;
  aws::BatchGetItemResult result;
  for (const auto& [table, keys] : request.request_items) {
    const RequestSite site{"BatchGetItem", table};
    CryptoConfig crypto = config_for(table, o);
    internal::ProjectionPlan plan = internal::plan_projection(
        site, crypto, nullptr,
        internal::ReadShape{keys.projection_expression, keys.attributes_to_get, std::nullopt,
                            keys.expression_attribute_names},
        {});
    plans.emplace(table, TablePlan{std::move(crypto), std::move(plan), keys.consistent_read});
    result.responses[table];
    for (std::size_t i = 0; i < keys.keys.size(); ++i) {
      pending.push_back(PendingKey{table, i, keys.keys[i]});
    }
  }
  const std::size_t total = pending.size();
  std::size_t landed = 0;
  int rounds = 0;
  int without_progress = 0;
  int consecutive_unprocessed = 0;
  const BatchRetryOptions& retry = config.batch_retry;

  while (!pending.empty()) {
    std::vector<PendingKey> batch;
    aws::BatchGetItemRequest send{.return_consumed_capacity = request.return_consumed_capacity};
    while (!pending.empty() && batch.size() < kMaxKeysPerRequest) {
      const PendingKey& next = pending.front();
      auto [it, inserted] = send.request_items.try_emplace(next.table);
      if (inserted) {
        const TablePlan& tp = plans.at(next.table);
        it->second.consistent_read = tp.consistent_read;
        it->second.projection_expression = tp.plan.send.projection_expression;
        it->second.attributes_to_get = tp.plan.send.attributes_to_get;
        it->second.expression_attribute_names = tp.plan.send.names;
      }
      it->second.keys.push_back(next.key);
      batch.push_back(std::move(pending.front()));
      pending.pop_front();
    }
    ++rounds;
    aws::BatchGetItemResult round;
    try {
      round = raw->batch_get_item(send);
    } catch (const DynamoDbError& e) {
      push_front_in_order(pending, std::move(batch));
      if (!e.retryable()) {
        if (landed == 0) throw;
        throw_incomplete("BatchGetItem", "keys", total, landed, pending, rounds, &e);
      }
      if (++without_progress >= retry.max_rounds_without_progress) {
        throw_incomplete("BatchGetItem", "keys", total, landed, pending, rounds, &e);
      }
      internal::backoff_sleep(++consecutive_unprocessed, retry.base_delay, retry.max_delay);
      continue;
    }
    add_capacity(result.consumed_capacity, std::move(round.consumed_capacity));
    for (auto& [table, items] : round.responses) {
      const auto plan_it = plans.find(table);
      if (plan_it == plans.end()) continue;
      const TablePlan& tp = plan_it->second;
      const RequestSite site{"BatchGetItem", table};
      auto& into = result.responses[table];
      for (Item& item : items) {
        into.push_back(decrypt_read(site, std::move(item), tp.crypto, tp.plan, "an item read"));
      }
    }
    std::vector<bool> unprocessed(batch.size(), false);
    for (const auto& [table, keys] : round.unprocessed_keys) {
      const auto plan_it = plans.find(table);
      for (const Item& key : keys.keys) {
        bool matched = false;
        for (std::size_t i = 0; i < batch.size() && !matched; ++i) {
          if (unprocessed[i] || batch[i].table != table || plan_it == plans.end()) continue;
          if (internal::same_key(batch[i].key, key, plan_it->second.crypto)) {
            unprocessed[i] = matched = true;
          }
        }
        if (!matched) {
          throw DynamoDbError(AwsErrorInfo{
              .error_code = "InvalidResponse",
              .message = "BatchGetItem: DynamoDB returned an unprocessed key for table \"" +
                         table + "\" that was not in the request",
          });
        }
      }
    }
    std::vector<PendingKey> left;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (unprocessed[i]) left.push_back(std::move(batch[i]));
    }
    const std::size_t done = batch.size() - left.size();
    landed += done;
    if (left.empty()) {
      consecutive_unprocessed = 0;
      without_progress = 0;
      continue;
    }
    without_progress = done == 0 ? without_progress + 1 : 0;
    push_front_in_order(pending, std::move(left));
    if (without_progress >= retry.max_rounds_without_progress) {
      throw_incomplete("BatchGetItem", "keys", total, landed, pending, rounds, nullptr);
    }
    internal::backoff_sleep(++consecutive_unprocessed, retry.base_delay, retry.max_delay);
  }
  return result;
}

}  // namespace ddbcrypt
