// Transaction: several model writes applied together (DynamoDB TransactWriteItems).
//
// Each write is prepared — and its encrypted fields encrypted — when it is added, so a mode or
// KMS error surfaces before anything is sent; commit() sends them all in one request. Writes
// may span models and tables, but every repository must use the same DynamoDbClient. Version
// checks of versioned models are part of the transaction; a lost race cancels it with a
// DynamoDbError whose error_code() is "VersionConflict", naming the write that conflicted.
// New versions and snapshots are stored in the objects only once the commit succeeded, so the
// objects passed to save/update must outlive commit().
//
// Example:
//   model::Transaction tx;
//   tx.save(users, alice).update(accounts, loaded_account).remove(sessions, sessions.key("s1"));
//   tx.condition_check(plans, plans.key("pro"), model::attr("open") == true);
//   tx.commit();
//
// Reads: Repository::transact_get.
// Thread-safety: one thread at a time.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ddbcrypt/detail/model_table.h"
#include "ddbcrypt/model/repository.h"

namespace ddbcrypt::model {

class Transaction {
 public:
  Transaction() = default;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction(Transaction&&) = default;
  Transaction& operator=(Transaction&&) = default;

  // A Put of the whole object, as Repository::save.
  template <class T>
  Transaction& save(const Repository<T>& repository, T& object, const SaveOptions& options = {}) {
    auto prepared = repository.prepare_save(object, options);
    add(repository.table_->prepare_put(prepared.stored, prepared.condition),
        std::move(prepared.apply));
    return *this;
  }
  template <class T>
  Transaction& save(const Repository<T>& repository, Loaded<T>& object,
                    const SaveOptions& options = {}) {
    auto prepared = repository.prepare_save(object, options);
    add(repository.table_->prepare_put(prepared.stored, prepared.condition),
        std::move(prepared.apply));
    return *this;
  }

  // An Update of the changed members, as Repository::update(Loaded&). Nothing is added when
  // no member changed.
  template <class T>
  Transaction& update(const Repository<T>& repository, Loaded<T>& object,
                      const SaveOptions& options = {}) {
    auto prepared = repository.prepare_update(object, options);
    if (prepared.actions.empty()) return *this;
    Item written;
    auto entry = repository.table_->prepare_update(prepared.key, prepared.actions,
                                                   prepared.condition, written);
    add(std::move(entry), [apply = std::move(prepared.apply), written = std::move(written)] {
      apply(written);
    });
    return *this;
  }
  template <class T>
  Transaction& update(const Repository<T>& repository, const Item& key, const Update<T>& changes,
                      const SaveOptions& options = {}) {
    auto prepared = repository.prepare_keyed_update(key, changes, options);
    Item written;
    add(repository.table_->prepare_update(prepared.key, prepared.actions, prepared.condition,
                                          written),
        {});
    return *this;
  }

  template <class T>
  Transaction& remove(const Repository<T>& repository, const Item& key,
                      const SaveOptions& options = {}) {
    add(repository.table_->prepare_delete(key, {.condition = options.condition}), {});
    return *this;
  }
  // Checks the version of a versioned model.
  template <class T>
  Transaction& remove(const Repository<T>& repository, const Loaded<T>& object,
                      const SaveOptions& options = {}) {
    add(repository.table_->prepare_delete(
            repository.key_of(object.original_),
            {.condition = options.condition,
             .expected_version = repository.version_of(object.original_)}),
        {});
    return *this;
  }

  // Cancels the transaction unless `condition` holds for the item at `key`.
  template <class T>
  Transaction& condition_check(const Repository<T>& repository, const Item& key,
                               const Condition& condition) {
    add(repository.table_->prepare_condition_check(key, condition), {});
    return *this;
  }

  std::size_t size() const noexcept { return entries_.size(); }

  // Sends the writes (at most 100) in one TransactWriteItems. `client_request_token` makes a
  // retried commit idempotent (DynamoDB remembers it for 10 minutes); unset, the client draws
  // one. Throws DynamoDbError (TransactionCanceledException, or "VersionConflict"); the
  // transaction is empty afterwards either way.
  void commit(std::optional<std::string> client_request_token = std::nullopt) {
    std::vector<detail::TransactionEntry> entries = std::move(entries_);
    entries_.clear();
    detail::commit_transaction(entries, std::move(client_request_token));
  }

 private:
  void add(detail::TransactionEntry entry, std::function<void()> after_commit) {
    entry.after_commit = std::move(after_commit);
    entries_.push_back(std::move(entry));
  }

  std::vector<detail::TransactionEntry> entries_;
};

}  // namespace ddbcrypt::model
