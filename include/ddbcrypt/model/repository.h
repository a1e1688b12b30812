// Repository<T>: typed DynamoDB operations on a model (schema.h) with per-field encryption.
//
// Every write path — save, update, batch_save, transactions — encrypts every encrypted field
// it writes through the FieldEncryptor (field_encryption.h); there is no path that stores an
// encrypted field's plaintext. Every read path — get, query, scan, batch_get, transact_get —
// decrypts, one FieldEncryptor::load_batch per page or batch, so the KMS requests of a page
// run concurrently and the data-key caches serve repeats.
//
// Reads return Loaded<T>: the object plus what is needed to write it back safely — the item
// as stored (ciphertext), how each encrypted field was read, and a copy of the object as
// loaded, so that
//  * save(loaded) writes back unchanged encrypted fields as their stored ciphertext (no KMS
//    call, and the only way a ReadOnly service can save an item that has encrypted fields),
//  * update(loaded) sends only the fields that changed (UpdateItem), encrypting those that
//    are encrypted.
//
// Modes (EncryptedAttribute::mode):
//   ReadWrite  loads decrypt; writes of a new value encrypt.
//   WriteOnly  loads leave the member value-initialized (std::nullopt, "", 0, ...) and keep
//              the ciphertext; no KMS Decrypt is ever called. Assigning the member a new value
//              stores it encrypted; leaving it alone keeps the stored ciphertext. (To store the
//              placeholder value itself, call loaded.mark_changed(&T::member).) decrypt()
//              throws EncryptionError "Cannot decrypt in WriteOnly mode".
//   ReadOnly   loads decrypt. A write that would have to encrypt — a new object, a changed
//              value, a plaintext still being migrated — throws EncryptionError "Cannot encrypt
//              in ReadOnly mode" before anything is sent; unchanged ciphertext is written back
//              as it is.
//
// Example (the example program examples/field_encryption.cc runs this against DynamoDB):
//   auto fields = std::shared_ptr<model::FieldEncryptor>(
//       model::FieldEncryptor::create({.kms = kms}));
//   model::Repository<User> users({.dynamodb = ddb, .fields = fields});
//   User alice{.pk = "user#1", .email = "alice@example.com", .ssn = "123-45-6789"};
//   users.save(alice);                                   // ssn stored as "ENC:..."
//   if (auto loaded = users.get("user#1")) {
//     loaded->value().email = "alice@example.org";
//     users.update(*loaded);                             // UpdateItem SET email only
//   }
//   for (auto& u : users.query(users.partition_key_is("user#1"))) use(u.value());
//
// Optimistic locking (Schema::version): every write of a versioned model carries the version
// the object was read with and writes version + 1, on condition that the stored version is
// still the old one. When another writer got there first the write fails with a DynamoDbError
// whose error_code() is "VersionConflict" (is_version_conflict()), naming the model, key and
// both versions. save(T&) and save(Loaded<T>&) store the new version in the object.
//
// Errors: EncryptionError for anything about encrypted fields (mode, KMS refusals such as a
// missing key, denied access or a wrong encryption context, corrupt, truncated or moved
// ciphertext, plaintext where the policy rejects it) — the message names the model, field,
// table and KMS key id, never the value; DynamoDbError from DynamoDB (conditions, throttling
// after retries, validation); ConfigError for requests that cannot work (a condition
// comparing an encrypted field, an undeclared index, a changed key in a loaded object);
// FormatError for an item that does not fit the model (wrong attribute types, a missing
// attribute without default). Encryption happens before any request is sent, so a write
// that fails for an encrypted field writes nothing.
//
// Thread-safety: a Repository is a cheap handle on an immutable table engine: copies share it,
// and every method may be called concurrently. Loaded<T>, Pager<T> and Update<T> are values
// for one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/detail/model_table.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/attribute_value.h"
#include "ddbcrypt/model/attribute_codec.h"
#include "ddbcrypt/model/condition.h"
#include "ddbcrypt/model/field_encryption.h"
#include "ddbcrypt/model/repository_options.h"
#include "ddbcrypt/model/schema.h"

namespace ddbcrypt::model {

template <class T>
class Repository;
class Transaction;
namespace detail {
template <class T>
class ModelCodec;
}  // namespace detail

// True for the error of a write that lost an optimistic-locking race.
[[nodiscard]] inline bool is_version_conflict(const DynamoDbError& error) noexcept {
  return error.error_code() == "VersionConflict";
}

// A model object read from DynamoDB, with what is needed to write it back (see the top).
template <class T>
class Loaded {
 public:
  T& value() & noexcept { return value_; }
  const T& value() const& noexcept { return value_; }
  T value() && { return std::move(value_); }
  T* operator->() noexcept { return &value_; }
  const T* operator->() const noexcept { return &value_; }
  T& operator*() noexcept { return value_; }
  const T& operator*() const noexcept { return value_; }

  // The item as DynamoDB holds it (encrypted fields as "ENC:..." text), as of the load or the
  // last write through this object.
  const Item& stored() const noexcept { return stored_; }

  // How an encrypted field was read; nullopt when the item had no value for it. Throws
  // ConfigError when `member` is not an encrypted field.
  template <class M>
  [[nodiscard]] std::optional<FieldState> state(M T::*member) const {
    const auto& f = field_of(member);
    if (f.role != detail::FieldRole::kEncrypted) {
      throw ConfigError("'" + f.name + "' is not an encrypted field");
    }
    const auto it = states_.find(f.name);
    if (it == states_.end()) return std::nullopt;
    return it->second;
  }

  // Whether `member` differs from its loaded value (or was marked changed).
  template <class M>
  [[nodiscard]] bool changed(M T::*member) const {
    const auto& f = field_of(member);
    return forced_.count(f.name) > 0 || !f.access->equal(value_, original_);
  }

  // Makes the next save/update write `member` even if its value equals the loaded one.
  template <class M>
  void mark_changed(M T::*member) {
    forced_.insert(field_of(member).name);
  }

 private:
  friend class Repository<T>;
  friend class Transaction;
  friend class detail::ModelCodec<T>;

  Loaded(T value, Item stored, std::map<std::string, FieldState> states)
      : value_(value), original_(std::move(value)), stored_(std::move(stored)),
        states_(std::move(states)) {}

  template <class M>
  static const detail::FieldSpec<T>& field_of(M T::*member) {
    const auto* f = detail::schema_of<T>().find_field(member);
    if (!f) throw ConfigError("the member is not declared in the schema of the model");
    return *f;
  }

  T value_;
  T original_;  // as loaded or last written, to find what changed
  Item stored_;
  std::map<std::string, FieldState> states_;
  std::set<std::string> forced_;
};

// Changes for Repository::update(key, ...) and Transaction::update: set, remove or add to
// members without reading the item first. Setting an encrypted member encrypts the value.
template <class T>
class Update {
 public:
  template <class M>
  Update& set(M T::*member, const std::type_identity_t<M>& value) {
    const auto& f = writable(member);
    if (auto v = encode_member(value, f.time_format)) {
      actions_.push_back({.op = detail::UpdateOp::kSet, .name = f.name, .value = std::move(*v)});
    } else {
      actions_.push_back({.op = detail::UpdateOp::kRemove, .name = f.name, .value = {}});
    }
    return *this;
  }

  template <class M>
  Update& remove(M T::*member) {
    const auto& f = writable(member);
    actions_.push_back({.op = detail::UpdateOp::kRemove, .name = f.name, .value = {}});
    return *this;
  }

  // Numbers: adds `delta` (DynamoDB ADD; a missing attribute counts as 0). Sets: adds the
  // members. Not for encrypted fields (ConfigError).
  template <class M>
  Update& add(M T::*member, const std::type_identity_t<M>& delta) {
    static_assert(ddbcrypt::detail::kIsNumber<M> || ddbcrypt::detail::IsStdSet<M>::value,
                  "add() applies to number and set members");
    const auto& f = writable(member);
    if (f.role == detail::FieldRole::kEncrypted) {
      throw ConfigError("cannot add to encrypted field '" + f.name + "'");
    }
    auto v = encode_member(delta, f.time_format);
    if (!v) throw ConfigError("add() needs a non-empty set ('" + f.name + "')");
    actions_.push_back({.op = detail::UpdateOp::kAdd, .name = f.name, .value = std::move(*v)});
    return *this;
  }

  bool empty() const noexcept { return actions_.empty(); }

 private:
  friend class Repository<T>;
  friend class Transaction;

  template <class M>
  static const detail::FieldSpec<T>& writable(M T::*member) {
    const auto* f = detail::schema_of<T>().find_field(member);
    if (!f) throw ConfigError("the member is not declared in the schema of the model");
    if (f->role == detail::FieldRole::kPartitionKey || f->role == detail::FieldRole::kSortKey) {
      throw ConfigError("key attribute '" + f->name + "' cannot be updated");
    }
    if (f->role == detail::FieldRole::kVersion) {
      throw ConfigError("the version attribute '" + f->name + "' is managed by the repository");
    }
    return *f;
  }

  std::vector<detail::UpdateAction> actions_;
};

namespace detail {

// Object ↔ item conversion of model T, with error messages naming the model and table.
template <class T>
class ModelCodec {
 public:
  static const auto& schema() { return schema_of<T>(); }

  [[noreturn]] static void rethrow_format(const ModelTable& table, const FormatError& e,
                                          const std::string& field, const char* what) {
    throw FormatError(std::string(e.what()) + " (" + what + " field '" + field + "' of model " +
                      table.model_name() + ", table " + table.table_name() + ")");
  }

  static std::optional<AttributeValue> encode_field(const ModelTable& table,
                                                    const FieldSpec<T>& f, const T& object) {
    try {
      return f.access->encode(object);
    } catch (const FormatError& e) {
      rethrow_format(table, e, f.name, "writing");
    }
  }

  static Item encode(const ModelTable& table, const T& object) {
    Item plain;
    for (const auto& f : schema().fields()) {
      if (auto v = encode_field(table, f, object)) plain.emplace(f.name, std::move(*v));
    }
    return plain;
  }

  static Loaded<T> decode(const ModelTable& table, LoadedItem item) {
    T value{};
    for (const auto& f : schema().fields()) {
      const auto it = item.plain.find(f.name);
      if (it != item.plain.end()) {
        try {
          f.access->decode(value, it->second);
        } catch (const FormatError& e) {
          rethrow_format(table, e, f.name, "reading");
        }
        continue;
      }
      const auto state = item.states.find(f.name);
      if (state != item.states.end() && state->second == FieldState::kCiphertextKept) {
        f.access->reset(value);
      } else if (f.role == FieldRole::kVersion) {
        f.access->set_version(value, 0);
      } else if (!f.access->fill_absent(value)) {
        throw FormatError("item " + table.describe_key(table.key_of(item.stored)) +
                          " has no attribute '" + f.name +
                          "' and the member has no default; declare one or make it "
                          "std::optional (model " + table.model_name() + ", table " +
                          table.table_name() + ")");
      }
    }
    return Loaded<T>(std::move(value), std::move(item.stored), std::move(item.states));
  }

  static std::vector<Loaded<T>> decode_all(const ModelTable& table,
                                           std::vector<LoadedItem> items) {
    std::vector<Loaded<T>> out;
    out.reserve(items.size());
    for (auto& item : items) out.push_back(decode(table, std::move(item)));
    return out;
  }
};

}  // namespace detail

template <class T>
struct Page {
  std::vector<Loaded<T>> items;
  // Present when there may be more (DynamoDB's LastEvaluatedKey).
  std::optional<Item> last_evaluated_key;
};

// Walks the pages of a query or scan, decrypting each (one load_batch per page). Holds one
// page at a time. Keeps the table engine alive; single-threaded.
//
//   auto pager = users.query(users.partition_key_is("user#1"), {.page_size = 50});
//   while (auto page = pager.next_page()) { for (auto& u : page->items) ... }
//   for (auto& u : users.scan()) ...            // or item by item across pages
template <class T>
class Pager {
 public:
  // The next page (one Query/Scan request), or nullopt after the last. Throws as the
  // repository's reads do; after an error the same page may be asked for again.
  [[nodiscard]] std::optional<Page<T>> next_page();
  // Every remaining item (up to the limit).
  [[nodiscard]] std::vector<Loaded<T>> all();
  bool done() const noexcept { return pager_.done() && buffer_index_ >= buffer_.size(); }
  // Where to resume later (QueryOptions/ScanOptions::exclusive_start_key) after the pages
  // returned so far; unset at the end.
  const std::optional<Item>& resume_key() const noexcept { return pager_.resume_key(); }

  // Item-by-item iteration across pages (fetches pages as needed). Do not mix with
  // next_page() on the same pager.
  class iterator {
   public:
    using value_type = Loaded<T>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(Pager* pager) : pager_(pager) {}
    Loaded<T>& operator*() const { return pager_->buffer_[pager_->buffer_index_]; }
    Loaded<T>* operator->() const { return &**this; }
    iterator& operator++() {
      ++pager_->buffer_index_;
      pager_->fill();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.at_end(); }

   private:
    bool at_end() const { return pager_ == nullptr || pager_->buffer_index_ >= pager_->buffer_.size(); }
    Pager* pager_ = nullptr;
  };
  iterator begin() {
    fill();
    return iterator(this);
  }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  friend class Repository<T>;
  explicit Pager(detail::ItemPager pager) : pager_(std::move(pager)) {}
  // Fetches pages until there is an unread item or no page is left.
  void fill() {
    while (buffer_index_ >= buffer_.size() && !pager_.done()) {
      auto page = next_page();
      if (!page) break;
      buffer_ = std::move(page->items);
      buffer_index_ = 0;
    }
  }

  detail::ItemPager pager_;
  std::vector<Loaded<T>> buffer_;
  std::size_t buffer_index_ = 0;
};

template <class T>
class Repository {
  using SchemaType = std::remove_cvref_t<decltype(ModelTraits<T>::schema())>;
  using Pk = typename SchemaType::partition_type;
  using Sk = typename SchemaType::sort_type;
  static_assert(std::is_same_v<typename SchemaType::model_type, T>,
                "ModelTraits<T>::schema() must return a Schema<T, ...>");
  static_assert(!std::is_same_v<Pk, NoKey>,
                "the schema of a model needs a partition key: .partition_key(\"name\", &T::member)");
  static constexpr bool kHasSortKey = !std::is_same_v<Sk, NoKey>;

 public:
  // Throws ConfigError for an unusable schema or options (see schema.h).
  explicit Repository(RepositoryOptions options)
      : table_(detail::ModelTable::create(describe(), std::move(options))) {}

  const std::string& table_name() const noexcept { return table_->table_name(); }
  const std::string& model_name() const noexcept { return table_->model_name(); }

  // ----- Keys --------------------------------------------------------------------------------

  [[nodiscard]] Item key(const Pk& partition) const
    requires(!kHasSortKey)
  {
    Item k;
    put_key(k, schema().partition_field(), partition);
    return table_->key_of(k);
  }
  [[nodiscard]] Item key(const Pk& partition, const Sk& sort) const
    requires(kHasSortKey)
  {
    Item k;
    put_key(k, schema().partition_field(), partition);
    put_key(k, schema().sort_field(), sort);
    return table_->key_of(k);
  }
  [[nodiscard]] Item key_of(const T& object) const {
    Item k;
    for (const auto& f : schema().fields()) {
      if (f.role != detail::FieldRole::kPartitionKey && f.role != detail::FieldRole::kSortKey) {
        continue;
      }
      if (auto v = Codec::encode_field(*table_, f, object)) k.emplace(f.name, std::move(*v));
    }
    return table_->key_of(k);
  }

  // `partition key = value`, the usual start of a key condition.
  [[nodiscard]] Condition partition_key_is(const Pk& partition) const {
    const auto& f = schema().partition_field();
    return attr(f.name) == *encode_member(partition, f.time_format);
  }

  // ----- Writes ------------------------------------------------------------------------------

  // PutItem of the whole object: every encrypted field is encrypted (KMS GenerateDataKey per
  // field unless the encryption cache serves it). Versioned models: conditional on the
  // object's version; the new version is stored in `object`.
  void save(T& object, const SaveOptions& options = {}) const {
    auto prepared = prepare_save(object, options);
    table_->put(prepared.stored, prepared.condition);
    prepared.apply();
  }
  void save(T&& object, const SaveOptions& options = {}) const {
    T copy = std::move(object);
    save(copy, options);
  }
  // PutItem of a loaded object: unchanged encrypted fields keep their stored ciphertext, the
  // others are encrypted. Throws ConfigError if a key member changed.
  void save(Loaded<T>& object, const SaveOptions& options = {}) const {
    auto prepared = prepare_save(object, options);
    table_->put(prepared.stored, prepared.condition);
    prepared.apply();
  }

  // UpdateItem of the members that changed since the load (nothing is sent when none did),
  // on condition that the item still exists (and, versioned, still has the loaded version).
  void update(Loaded<T>& object, const SaveOptions& options = {}) const {
    auto prepared = prepare_update(object, options);
    if (prepared.actions.empty()) return;
    const Item written = table_->update(prepared.key, prepared.actions, prepared.condition);
    prepared.apply(written);
  }
  // UpdateItem of an existing item by key. Versioned models: the version is incremented.
  void update(const Item& key, const Update<T>& changes, const SaveOptions& options = {}) const {
    auto prepared = prepare_keyed_update(key, changes, options);
    (void)table_->update(prepared.key, prepared.actions, prepared.condition);
  }

  // DeleteItem. The object forms check the version of versioned models.
  void remove(const Item& key, const SaveOptions& options = {}) const {
    table_->remove(table_->key_of(key), {.condition = options.condition});
  }
  void remove(const T& object, const SaveOptions& options = {}) const {
    table_->remove(key_of(object), {.condition = options.condition,
                                    .expected_version = version_of(object)});
  }
  void remove(const Loaded<T>& object, const SaveOptions& options = {}) const {
    table_->remove(key_of(object.original_), {.condition = options.condition,
                                              .expected_version = version_of(object.original_)});
  }

  // ----- Reads -------------------------------------------------------------------------------

  [[nodiscard]] std::optional<Loaded<T>> get(const Pk& partition, const GetOptions& options = {}) const
    requires(!kHasSortKey)
  {
    return get(key(partition), options);
  }
  [[nodiscard]] std::optional<Loaded<T>> get(const Pk& partition, const Sk& sort,
                                             const GetOptions& options = {}) const
    requires(kHasSortKey)
  {
    return get(key(partition, sort), options);
  }
  // GetItem; decrypts (KMS Decrypt per encrypted field unless cached; none in WriteOnly).
  [[nodiscard]] std::optional<Loaded<T>> get(const Item& key, const GetOptions& options = {}) const {
    auto item = table_->get(table_->key_of(key), options.consistency);
    if (!item) return std::nullopt;
    return decode(std::move(*item));
  }

  // Query pages; `key_condition` is on the table's or the index's keys.
  [[nodiscard]] Pager<T> query(const Condition& key_condition,
                               const QueryOptions& options = {}) const {
    return Pager<T>(table_->query(key_condition, options));
  }
  [[nodiscard]] Pager<T> scan(const ScanOptions& options = {}) const {
    return Pager<T>(table_->scan(options));
  }
  // Every item, read by `total_segments` segments at once (at most 16 threads).
  [[nodiscard]] std::vector<Loaded<T>> parallel_scan(std::int32_t total_segments,
                                                     const ScanOptions& options = {}) const {
    return decode_all(table_->parallel_scan(total_segments, options));
  }

  // BatchGetItem in chunks of 100, re-sending unprocessed keys with backoff; found items in
  // the order of `keys`. All items of the batch are decrypted in one load_batch.
  [[nodiscard]] std::vector<Loaded<T>> batch_get(const std::vector<Item>& keys,
                                                 const GetOptions& options = {}) const {
    return decode_all(table_->batch_get(keys, options.consistency));
  }
  // TransactGetItems (at most 100 keys); aligned with `keys`.
  [[nodiscard]] std::vector<std::optional<Loaded<T>>> transact_get(const std::vector<Item>& keys) const {
    auto items = table_->transact_get(keys);
    std::vector<std::optional<Loaded<T>>> out;
    out.reserve(items.size());
    for (auto& item : items) {
      if (item) out.push_back(decode(std::move(*item)));
      else out.push_back(std::nullopt);
    }
    return out;
  }

  // ----- Batch writes ------------------------------------------------------------------------

  // BatchWriteItem in chunks of 25: every object is encrypted first (so a mode or KMS error
  // writes nothing), then unprocessed writes are re-sent with backoff until all have landed,
  // or a DynamoDbError ("UnprocessedItems") names those that did not. A versioned model is
  // refused (ConfigError): BatchWriteItem cannot be conditional, so use save or a transaction.
  void batch_save(std::span<const T> objects) const {
    if (schema().version_field()) {
      throw ConfigError("batch_save cannot check versions (BatchWriteItem has no conditions); "
                        "model " + model_name() + " is versioned: use save or a Transaction");
    }
    std::vector<Item> puts;
    puts.reserve(objects.size());
    for (const T& object : objects) puts.push_back(table_->protect({.plain = encode(object), .kept = {}}));
    table_->batch_write(puts, {});
  }
  void batch_save(const std::vector<T>& objects) const { batch_save(std::span<const T>(objects)); }
  void batch_remove(const std::vector<Item>& keys) const { table_->batch_write({}, keys); }

  // ----- Encrypted fields --------------------------------------------------------------------

  // Decrypts an encrypted member from the stored item (KMS Decrypt unless cached). Throws
  // EncryptionError "Cannot decrypt in WriteOnly mode" for a WriteOnly field.
  template <class M>
  [[nodiscard]] M decrypt(const Loaded<T>& object, M T::*member) const {
    const auto* f = schema().find_field(member);
    if (!f) throw ConfigError("the member is not declared in the schema of model " + model_name());
    return decode_member<M>(table_->decrypt_attribute(f->name, object.stored_), f->time_format);
  }

  // ----- Tables ------------------------------------------------------------------------------

  // CreateTable (on-demand billing, the schema's keys and indexes, projections ALL), then
  // waits until it is ACTIVE. For tests, examples and tools.
  void create_table(const CreateTableOptions& options = {}) const { table_->create_table(options); }
  void delete_table() const { table_->delete_table(); }

 private:
  friend class Transaction;

  struct PreparedPut {
    Item stored;
    detail::WriteCondition condition;
    std::function<void()> apply;
  };
  struct PreparedUpdate {
    Item key;
    std::vector<detail::UpdateAction> actions;
    detail::WriteCondition condition;
    std::function<void(const Item& written)> apply;
  };

  static const SchemaType& schema() { return detail::schema_of<T>(); }

  static detail::ModelDescription describe() {
    const SchemaType& s = schema();
    detail::ModelDescription d{.model_name = s.model_name(), .table_name = s.table_name()};
    for (std::size_t i = 0; i < s.fields().size(); ++i) {
      const auto& f = s.fields()[i];
      for (std::size_t j = 0; j < i; ++j) {
        if (s.fields()[j].access->same_member(*f.access)) {
          throw ConfigError("a member is declared twice ('" + s.fields()[j].name + "' and '" +
                            f.name + "', model " + s.model_name() + ")");
        }
      }
      d.fields.push_back(detail::ModelField{.name = f.name,
                                            .role = f.role,
                                            .encryption = f.encryption,
                                            .scalar_type = f.scalar_type,
                                            .holds_string = f.access->holds_string()});
    }
    d.indexes = s.indexes();
    return d;
  }

  template <class K>
  static void put_key(Item& key, const detail::FieldSpec<T>& f, const K& value) {
    if (auto v = encode_member(value, f.time_format)) key.emplace(f.name, std::move(*v));
  }

  std::optional<std::int64_t> version_of(const T& object) const {
    if (const auto* v = schema().version_field()) return v->access->version(object);
    return std::nullopt;
  }

  using Codec = detail::ModelCodec<T>;
  Item encode(const T& object) const { return Codec::encode(*table_, object); }
  Loaded<T> decode(detail::LoadedItem item) const { return Codec::decode(*table_, std::move(item)); }
  std::vector<Loaded<T>> decode_all(std::vector<detail::LoadedItem> items) const {
    return Codec::decode_all(*table_, std::move(items));
  }

  void check_key_unchanged(const Loaded<T>& object) const {
    for (const auto& f : schema().fields()) {
      if ((f.role == detail::FieldRole::kPartitionKey || f.role == detail::FieldRole::kSortKey) &&
          !f.access->equal(object.value_, object.original_)) {
        throw ConfigError("key member '" + f.name + "' of a loaded " + model_name() +
                          " changed: its encrypted fields are bound to the old key. Save a "
                          "new object instead");
      }
    }
  }

  PreparedPut prepare_save(T& object, const SaveOptions& options) const {
    detail::ItemWrite write{.plain = encode(object), .kept = {}};
    const auto* vf = schema().version_field();
    std::optional<std::int64_t> expected;
    if (vf) {
      expected = vf->access->version(object);
      write.plain.insert_or_assign(vf->name, AttributeValue::N(*expected + 1));
    }
    PreparedPut p{.stored = table_->protect(write),
                  .condition = {.condition = options.condition, .expected_version = expected},
                  .apply = {}};
    p.apply = [&object, vf, expected] {
      if (vf) vf->access->set_version(object, *expected + 1);
    };
    return p;
  }

  PreparedPut prepare_save(Loaded<T>& object, const SaveOptions& options) const {
    check_key_unchanged(object);
    detail::ItemWrite write;
    std::set<std::string> kept;
    for (const auto& f : schema().fields()) {
      if (f.role == detail::FieldRole::kVersion) continue;
      const bool changed =
          object.forced_.count(f.name) > 0 || !f.access->equal(object.value_, object.original_);
      if (f.role == detail::FieldRole::kEncrypted && !changed) {
        const auto state = object.states_.find(f.name);
        if (state != object.states_.end() && state->second != FieldState::kPlaintextDuringMigration) {
          write.kept.emplace(f.name, object.stored_.at(f.name));
          kept.insert(f.name);
          continue;
        }
      }
      if (auto v = Codec::encode_field(*table_, f, object.value_)) {
        write.plain.emplace(f.name, std::move(*v));
      }
    }
    const auto* vf = schema().version_field();
    std::optional<std::int64_t> expected;
    if (vf) {
      expected = vf->access->version(object.original_);
      write.plain.insert_or_assign(vf->name, AttributeValue::N(*expected + 1));
    }
    PreparedPut p{.stored = table_->protect(write),
                  .condition = {.condition = options.condition, .expected_version = expected},
                  .apply = {}};
    p.apply = [&object, vf, expected, stored = p.stored, kept = std::move(kept)] {
      if (vf) vf->access->set_version(object.value_, *expected + 1);
      std::map<std::string, FieldState> states;
      for (const auto& f : schema().fields()) {
        if (f.role != detail::FieldRole::kEncrypted || !stored.count(f.name)) continue;
        states[f.name] = kept.count(f.name) ? object.states_.at(f.name) : FieldState::kDecrypted;
      }
      object.original_ = object.value_;
      object.stored_ = stored;
      object.states_ = std::move(states);
      object.forced_.clear();
    };
    return p;
  }

  PreparedUpdate prepare_update(Loaded<T>& object, const SaveOptions& options) const {
    check_key_unchanged(object);
    PreparedUpdate p;
    p.key = key_of(object.original_);
    for (const auto& f : schema().fields()) {
      if (f.role != detail::FieldRole::kAttribute && f.role != detail::FieldRole::kEncrypted) {
        continue;
      }
      if (object.forced_.count(f.name) == 0 && f.access->equal(object.value_, object.original_)) {
        continue;
      }
      std::optional<AttributeValue> v = Codec::encode_field(*table_, f, object.value_);
      if (v) {
        p.actions.push_back({.op = detail::UpdateOp::kSet, .name = f.name, .value = std::move(*v)});
      } else if (object.stored_.count(f.name)) {
        p.actions.push_back({.op = detail::UpdateOp::kRemove, .name = f.name, .value = {}});
      }
    }
    const auto* vf = schema().version_field();
    std::optional<std::int64_t> expected;
    if (vf && !p.actions.empty()) {
      expected = vf->access->version(object.original_);
      p.actions.push_back(
          {.op = detail::UpdateOp::kSet, .name = vf->name, .value = AttributeValue::N(*expected + 1)});
    }
    p.condition = {.condition = options.condition,
                   .expected_version = expected,
                   .existence = detail::Existence::kMustExist};
    p.apply = [&object, vf, expected, actions = p.actions](const Item& written) {
      if (vf) vf->access->set_version(object.value_, *expected + 1);
      for (const auto& a : actions) {
        if (a.op == detail::UpdateOp::kRemove) {
          object.stored_.erase(a.name);
          object.states_.erase(a.name);
        } else if (auto it = written.find(a.name); it != written.end()) {
          object.stored_.insert_or_assign(a.name, it->second);
          if (const auto* f = schema_field(a.name); f && f->role == detail::FieldRole::kEncrypted) {
            object.states_[a.name] = FieldState::kDecrypted;
          }
        }
      }
      object.original_ = object.value_;
      object.forced_.clear();
    };
    return p;
  }

  PreparedUpdate prepare_keyed_update(const Item& key, const Update<T>& changes,
                                      const SaveOptions& options) const {
    if (changes.empty()) throw ConfigError("an update needs at least one change");
    PreparedUpdate p{.key = table_->key_of(key), .actions = changes.actions_, .condition = {},
                     .apply = {}};
    if (const auto* vf = schema().version_field()) {
      p.actions.push_back(
          {.op = detail::UpdateOp::kAdd, .name = vf->name, .value = AttributeValue::N(std::int64_t{1})});
    }
    p.condition = {.condition = options.condition,
                   .expected_version = std::nullopt,
                   .existence = detail::Existence::kMustExist};
    p.apply = [](const Item&) {};
    return p;
  }

  static const detail::FieldSpec<T>* schema_field(const std::string& name) {
    for (const auto& f : schema().fields()) {
      if (f.name == name) return &f;
    }
    return nullptr;
  }

  std::shared_ptr<const detail::ModelTable> table_;
};

template <class T>
std::optional<Page<T>> Pager<T>::next_page() {
  auto page = pager_.next_page();
  if (!page) return std::nullopt;
  Page<T> out{.items = {}, .last_evaluated_key = std::move(page->last_evaluated_key)};
  out.items.reserve(page->items.size());
  // Decoding needs only the schema and the engine the pager holds.
  for (auto& item : page->items) {
    out.items.push_back(detail::ModelCodec<T>::decode(pager_.table(), std::move(item)));
  }
  return out;
}

template <class T>
std::vector<Loaded<T>> Pager<T>::all() {
  std::vector<Loaded<T>> out;
  for (; buffer_index_ < buffer_.size(); ++buffer_index_) out.push_back(std::move(buffer_[buffer_index_]));
  while (auto page = next_page()) {
    for (auto& item : page->items) out.push_back(std::move(item));
  }
  return out;
}

}  // namespace ddbcrypt::model
