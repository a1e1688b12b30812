#include "ddbcrypt/detail/model_table.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::model::detail {
namespace {

constexpr std::size_t kBatchWriteLimit = 25;
constexpr std::size_t kBatchGetLimit = 100;
constexpr std::size_t kTransactionLimit = 100;
constexpr std::size_t kMaxParallelSegments = 16;
constexpr std::size_t kKeysNamedInErrors = 10;

std::string value_text(const AttributeValue& v) {
  switch (v.type()) {
    case AttributeValue::Type::kS:
      return "S:" + v.as_s();
    case AttributeValue::Type::kN:
      return "N:" + v.as_n();
    case AttributeValue::Type::kB:
      return "B:" + base64_encode(v.as_b());
    default:
      return std::string(type_name(v.type()));
  }
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

std::shared_ptr<const aws::DynamoDbErrorDetails> copy_details(const DynamoDbError& e) {
  if (!e.details()) return nullptr;
  return std::make_shared<const aws::DynamoDbErrorDetails>(*e.details());
}

// The error `e` with another code and message; HTTP status, request id and details kept.
DynamoDbError rephrase(const DynamoDbError& e, std::string code, std::string message) {
  AwsErrorInfo info = e.info();
  info.error_code = std::move(code);
  info.message = std::move(message);
  return DynamoDbError(std::move(info), copy_details(e));
}

// Full jitter: uniform in [0, min(max, initial * 2^(attempt-1))].
std::chrono::milliseconds backoff(const BatchRetryPolicy& policy, int attempt) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  double ceiling = static_cast<double>(policy.initial_backoff.count());
  for (int i = 1; i < attempt && ceiling < static_cast<double>(policy.max_backoff.count()); ++i) {
    ceiling *= 2;
  }
  ceiling = std::min(ceiling, static_cast<double>(policy.max_backoff.count()));
  std::uniform_real_distribution<double> pick(0.0, ceiling);
  return std::chrono::milliseconds(static_cast<std::int64_t>(pick(rng)));
}

std::int64_t version_in(const std::optional<Item>& item, const std::string& name) {
  if (!item) return 0;
  const auto it = item->find(name);
  if (it == item->end() || !it->second.is(AttributeValue::Type::kN)) return 0;
  try {
    return it->second.as_int64();
  } catch (const FormatError&) {
    return -1;  // not a version we could have written: never equal to an expected one
  }
}

const Item& key_of_request(const aws::WriteRequest& w) {
  if (const auto* put = std::get_if<aws::PutRequest>(&w)) return put->item;
  return std::get<aws::DeleteRequest>(w).key;
}

// "{pk=S:a}, {pk=S:b}, ... and 5 more" for the keys a batch could not finish.
template <class Describe>
std::string name_some(std::size_t count, const Describe& describe) {
  std::vector<std::string> named;
  for (std::size_t i = 0; i < count && i < kKeysNamedInErrors; ++i) named.push_back(describe(i));
  if (count > kKeysNamedInErrors) {
    named.push_back("and " + std::to_string(count - kKeysNamedInErrors) + " more");
  }
  return join(named, ", ");
}

// Sends a conditional write; a failed condition of a versioned write that was a lost race
// becomes a version-conflict error.
template <class Send>
void send_conditional(const ModelTable& table, const WriteCondition& condition, const Item& key,
                      const Send& send) {
  try {
    send();
  } catch (const DynamoDbError& e) {
    if (condition.expected_version && e.is_conditional_check_failed()) {
      table.diagnose_version_conflict(e, key, *condition.expected_version,
                                      aws::condition_check_item(e));
    }
    throw;
  }
}

}  // namespace

struct ModelTable::Rendered {
  std::optional<std::string> expression;
};

// ----- Construction --------------------------------------------------------------------------

std::shared_ptr<const ModelTable> ModelTable::create(ModelDescription description,
                                                     RepositoryOptions options) {
  return std::make_shared<const ModelTable>(std::move(description), std::move(options));
}

ModelTable::ModelTable(ModelDescription description, RepositoryOptions options)
    : description_(std::move(description)), options_(std::move(options)) {
  if (options_.table_name) description_.table_name = *options_.table_name;
  const std::string in = " (model " + description_.model_name + ")";
  if (!options_.dynamodb) throw ConfigError("RepositoryOptions::dynamodb is required" + in);
  if (description_.table_name.empty()) throw ConfigError("the table name is empty" + in);
  if (options_.batch_retry.max_attempts < 1) {
    throw ConfigError("BatchRetryPolicy::max_attempts must be at least 1" + in);
  }
  bool has_encrypted = false;
  for (std::size_t i = 0; i < description_.fields.size(); ++i) {
    const ModelField& f = description_.fields[i];
    if (f.name.empty()) throw ConfigError("a field has an empty attribute name" + in);
    if (!by_name_.emplace(f.name, i).second) {
      throw ConfigError("attribute name '" + f.name + "' is declared twice" + in);
    }
    switch (f.role) {
      case FieldRole::kPartitionKey:
        if (!partition_key_.empty()) throw ConfigError("two partition keys declared" + in);
        partition_key_ = f.name;
        break;
      case FieldRole::kSortKey:
        if (sort_key_) throw ConfigError("two sort keys declared" + in);
        sort_key_ = f.name;
        break;
      case FieldRole::kVersion:
        if (version_) throw ConfigError("two version fields declared" + in);
        version_ = f.name;
        break;
      case FieldRole::kEncrypted: {
        has_encrypted = true;
        const EncryptedAttribute& e = *f.encryption;
        if (e.key_id.empty()) {
          throw ConfigError("encrypted field '" + f.name + "' has no KMS key id" + in);
        }
        if (e.format == FieldFormat::kPydynox && !f.holds_string) {
          throw ConfigError("encrypted field '" + f.name +
                            "' uses the pydynox format, which stores only strings; declare a "
                            "std::string member or use FieldFormat::kBound" + in);
        }
        break;
      }
      case FieldRole::kAttribute:
        break;
    }
  }
  if (partition_key_.empty()) throw ConfigError("no partition key declared" + in);
  if (has_encrypted && !options_.fields) {
    throw ConfigError("the model has encrypted fields but RepositoryOptions::fields is not set" +
                      in);
  }
  std::set<std::string> index_names;
  for (IndexSpec& index : description_.indexes) {
    if (index.name.empty() || !index_names.insert(index.name).second) {
      throw ConfigError("index names must be non-empty and unique" + in);
    }
    if (index.kind == IndexKind::kLocal) index.partition_key = partition_key_;
    std::vector<std::string> keys{index.partition_key};
    if (index.sort_key) keys.push_back(*index.sort_key);
    for (const std::string& k : keys) {
      const ModelField* f = field(k);
      if (!f) {
        throw ConfigError("index " + index.name + " names attribute '" + k +
                          "', which the schema does not declare" + in);
      }
      if (f->role == FieldRole::kEncrypted) {
        throw ConfigError("index " + index.name + " cannot be keyed on encrypted field '" + k +
                          "': its ciphertext is randomized" + in);
      }
      if (!f->scalar_type) {
        throw ConfigError("index " + index.name + " key '" + k +
                          "' must be a string, number or binary member" + in);
      }
    }
  }
}

const ModelField* ModelTable::field(const std::string& name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &description_.fields[it->second];
}

const IndexSpec* ModelTable::index(const std::string& name) const {
  for (const IndexSpec& i : description_.indexes) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

FieldBinding ModelTable::binding(const std::string& attribute, const Item& key) const {
  return FieldBinding{.model_name = description_.model_name,
                      .table_name = description_.table_name,
                      .attribute_name = attribute,
                      .key = key};
}

// ----- Keys ----------------------------------------------------------------------------------

Item ModelTable::key_of(const Item& item) const {
  Item key;
  auto take = [&](const std::string& name, const char* which) {
    const auto it = item.find(name);
    const std::string where = " (model " + description_.model_name + ", table " +
                              description_.table_name + ")";
    if (it == item.end()) {
      throw ConfigError(std::string("the item has no ") + which + " '" + name + "'" + where);
    }
    const AttributeValue& v = it->second;
    if (v.is(AttributeValue::Type::kS) ? v.as_s().empty()
        : v.is(AttributeValue::Type::kB) ? v.as_b().empty()
                                         : !v.is(AttributeValue::Type::kN)) {
      throw ConfigError(std::string(which) + " '" + name +
                        "' must be a non-empty string, a number or non-empty binary" + where);
    }
    key.emplace(name, v);
  };
  take(partition_key_, "partition key");
  if (sort_key_) take(*sort_key_, "sort key");
  return key;
}

std::string ModelTable::describe_key(const Item& key) const {
  std::vector<std::string> parts;
  for (const auto& [name, value] : key) parts.push_back(name + "=" + value_text(value));
  return "{" + join(parts, ", ") + "}";
}

// ----- Encryption ----------------------------------------------------------------------------

Item ModelTable::protect(const ItemWrite& write) const {
  const Item key = key_of(write.plain);
  Item out;
  for (const auto& [name, value] : write.plain) {
    const ModelField* f = field(name);
    if (!f) {
      throw ConfigError("attribute '" + name + "' is not declared in model " +
                        description_.model_name);
    }
    if (f->role == FieldRole::kEncrypted) {
      out.emplace(name, options_.fields->encrypt(*f->encryption, binding(name, key), value));
    } else {
      out.emplace(name, value);
    }
  }
  for (const auto& [name, stored] : write.kept) {
    const ModelField* f = field(name);
    if (!f || f->role != FieldRole::kEncrypted) {
      throw ConfigError("only encrypted fields keep their stored value ('" + name + "', model " +
                        description_.model_name + ")");
    }
    out.insert_or_assign(name,
                         options_.fields->keep_ciphertext(*f->encryption, binding(name, key), stored));
  }
  return out;
}

std::vector<LoadedItem> ModelTable::unprotect(std::vector<Item> stored) const {
  std::vector<LoadedItem> out(stored.size());
  std::vector<Item> keys;
  keys.reserve(stored.size());
  struct Slot {
    std::size_t item;
    const std::string* name;
  };
  std::vector<Slot> slots;
  std::vector<FieldLoadRequest> requests;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    out[i].stored = std::move(stored[i]);
    out[i].plain = out[i].stored;
    keys.push_back(key_of(out[i].stored));
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    for (const auto& [name, value] : out[i].stored) {
      const ModelField* f = field(name);
      if (!f || f->role != FieldRole::kEncrypted) continue;
      slots.push_back(Slot{.item = i, .name = &name});
      requests.push_back(FieldLoadRequest{
          .field = *f->encryption, .binding = binding(name, keys[i]), .stored = value});
    }
  }
  if (requests.empty()) return out;
  std::vector<LoadedField> loaded = options_.fields->load_batch(requests);
  for (std::size_t k = 0; k < slots.size(); ++k) {
    LoadedItem& item = out[slots[k].item];
    const std::string& name = *slots[k].name;
    item.states[name] = loaded[k].state;
    if (loaded[k].state == FieldState::kCiphertextKept) {
      item.plain.erase(name);
    } else {
      item.plain.insert_or_assign(name, std::move(loaded[k].value));
    }
  }
  return out;
}

AttributeValue ModelTable::decrypt_attribute(const std::string& name, const Item& stored) const {
  const ModelField* f = field(name);
  if (!f || f->role != FieldRole::kEncrypted) {
    throw ConfigError("'" + name + "' is not an encrypted field of model " +
                      description_.model_name);
  }
  const auto it = stored.find(name);
  if (it == stored.end()) {
    throw ConfigError("the item has no value for encrypted field '" + name + "' (model " +
                      description_.model_name + ")");
  }
  const Item key = key_of(stored);
  return options_.fields->decrypt(*f->encryption, binding(name, key), it->second);
}

// ----- Expressions ---------------------------------------------------------------------------

void ModelTable::check_condition(const Condition& condition, const char* what) const {
  for (const std::string& name : condition.compared_attributes()) {
    const ModelField* f = field(name);
    if (f && f->role == FieldRole::kEncrypted) {
      throw ConfigError(std::string(what) + " compares encrypted field '" + name + "' (model " +
                        description_.model_name +
                        ") with a value; its stored form is randomized ciphertext, so only "
                        "exists() and not_exists() can test it");
    }
  }
}

ModelTable::Rendered ModelTable::render_write_condition(const WriteCondition& condition,
                                                        ExpressionAttributes& attributes) const {
  std::vector<std::string> parts;
  if (condition.condition) {
    check_condition(*condition.condition, "a write condition");
    parts.push_back(condition.condition->render(attributes));
  }
  if (condition.expected_version) {
    if (!version_) {
      throw ConfigError("a version check needs a version field (model " +
                        description_.model_name + ")");
    }
    if (*condition.expected_version == 0) {
      parts.push_back("attribute_not_exists(" + attributes.name(*version_) + ")");
    } else {
      parts.push_back(attributes.name(*version_) + " = " +
                      attributes.value(AttributeValue::N(*condition.expected_version)));
    }
  }
  if (condition.existence == Existence::kMustExist) {
    parts.push_back("attribute_exists(" + attributes.name(partition_key_) + ")");
  }
  if (parts.empty()) return {};
  if (parts.size() == 1) return Rendered{.expression = parts.front()};
  for (auto& p : parts) p = "(" + p + ")";
  return Rendered{.expression = join(parts, " AND ")};
}

std::string ModelTable::render_update(const Item& key, const std::vector<UpdateAction>& actions,
                                      ExpressionAttributes& attributes, Item& written) const {
  std::vector<std::string> sets, removes, adds;
  std::set<std::string> seen;
  for (const UpdateAction& a : actions) {
    const ModelField* f = field(a.name);
    const std::string in = " (model " + description_.model_name + ")";
    if (!f) throw ConfigError("attribute '" + a.name + "' is not declared" + in);
    if (f->role == FieldRole::kPartitionKey || f->role == FieldRole::kSortKey) {
      throw ConfigError("key attribute '" + a.name + "' cannot be updated" + in);
    }
    if (!seen.insert(a.name).second) {
      throw ConfigError("attribute '" + a.name + "' is updated twice in one request" + in);
    }
    const std::string path = attributes.name(a.name);
    switch (a.op) {
      case UpdateOp::kSet: {
        AttributeValue value =
            f->role == FieldRole::kEncrypted
                ? options_.fields->encrypt(*f->encryption, binding(a.name, key), a.value)
                : a.value;
        written.insert_or_assign(a.name, value);
        sets.push_back(path + " = " + attributes.value(std::move(value)));
        break;
      }
      case UpdateOp::kRemove:
        removes.push_back(path);
        break;
      case UpdateOp::kAdd:
        if (f->role == FieldRole::kEncrypted) {
          throw ConfigError("cannot ADD to encrypted field '" + a.name +
                            "': DynamoDB would apply it to the ciphertext" + in);
        }
        adds.push_back(path + " " + attributes.value(a.value));
        break;
    }
  }
  std::string expression;
  auto clause = [&](const char* word, const std::vector<std::string>& items) {
    if (items.empty()) return;
    if (!expression.empty()) expression += ' ';
    expression += word;
    expression += ' ';
    expression += join(items, ", ");
  };
  clause("SET", sets);
  clause("REMOVE", removes);
  clause("ADD", adds);
  return expression;
}

// ----- Single-item operations ----------------------------------------------------------------

void ModelTable::diagnose_version_conflict(const DynamoDbError& error, const Item& key,
                                           std::int64_t expected,
                                           const std::optional<Item>& current_in) const {
  std::optional<Item> current = current_in;
  if (!current) {
    // The service did not return the item (older emulators ignore
    // ReturnValuesOnConditionCheckFailure): read the version now. Good enough to explain the
    // failure; the write has failed either way.
    current = options_.dynamodb->get_item(aws::GetItemRequest{
        .table_name = description_.table_name,
        .key = key,
        .consistent_read = true,
        .projection_expression = "#v",
        .expression_attribute_names = {{"#v", *version_}},
    }).item;
  }
  const std::int64_t stored = version_in(current, *version_);
  if (stored == expected) return;
  std::string text = "Version conflict: " + description_.model_name + " " + describe_key(key) +
                     " in table " + description_.table_name;
  if (!current) {
    text += " does not exist; the write expected version " + std::to_string(expected);
  } else if (expected == 0) {
    text += " already exists at version " + std::to_string(stored) +
            "; the write expected a new item. Load it and retry";
  } else {
    text += " is at version " + std::to_string(stored) + "; the write expected version " +
            std::to_string(expected) + ". Another writer changed it: reload and retry";
  }
  throw rephrase(error, "VersionConflict", text);
}

void ModelTable::put(const Item& stored, const WriteCondition& condition) const {
  ExpressionAttributes attributes;
  Rendered rendered = render_write_condition(condition, attributes);
  aws::PutItemRequest request{
      .table_name = description_.table_name,
      .item = stored,
      .condition_expression = rendered.expression,
      .expression_attribute_names = attributes.take_names(),
      .expression_attribute_values = attributes.take_values(),
  };
  if (condition.expected_version) {
    request.return_values_on_condition_check_failure =
        aws::ReturnValuesOnConditionCheckFailure::kAllOld;
  }
  send_conditional(*this, condition, key_of(stored),
                   [&] { (void)options_.dynamodb->put_item(request); });
}

std::optional<LoadedItem> ModelTable::get(const Item& key, ReadConsistency consistency) const {
  aws::GetItemRequest request{.table_name = description_.table_name, .key = key};
  if (consistency == ReadConsistency::kStrong) request.consistent_read = true;
  auto result = options_.dynamodb->get_item(request);
  if (!result.item) return std::nullopt;
  std::vector<Item> items;
  items.push_back(std::move(*result.item));
  return std::move(unprotect(std::move(items)).front());
}

void ModelTable::remove(const Item& key, const WriteCondition& condition) const {
  ExpressionAttributes attributes;
  Rendered rendered = render_write_condition(condition, attributes);
  aws::DeleteItemRequest request{
      .table_name = description_.table_name,
      .key = key,
      .condition_expression = rendered.expression,
      .expression_attribute_names = attributes.take_names(),
      .expression_attribute_values = attributes.take_values(),
  };
  if (condition.expected_version) {
    request.return_values_on_condition_check_failure =
        aws::ReturnValuesOnConditionCheckFailure::kAllOld;
  }
  send_conditional(*this, condition, key, [&] { (void)options_.dynamodb->delete_item(request); });
}

Item ModelTable::update(const Item& key, const std::vector<UpdateAction>& actions,
                        const WriteCondition& condition) const {
  ExpressionAttributes attributes;
  Item written;
  // Encrypts (and so fails in ReadOnly mode) before anything is sent.
  std::string expression = render_update(key, actions, attributes, written);
  if (expression.empty()) {
    throw ConfigError("an update needs at least one change (model " + description_.model_name +
                      ")");
  }
  Rendered rendered = render_write_condition(condition, attributes);
  aws::UpdateItemRequest request{
      .table_name = description_.table_name,
      .key = key,
      .update_expression = std::move(expression),
      .condition_expression = rendered.expression,
      .expression_attribute_names = attributes.take_names(),
      .expression_attribute_values = attributes.take_values(),
  };
  if (condition.expected_version) {
    request.return_values_on_condition_check_failure =
        aws::ReturnValuesOnConditionCheckFailure::kAllOld;
  }
  send_conditional(*this, condition, key, [&] { (void)options_.dynamodb->update_item(request); });
  return written;
}

// ----- Query and Scan ------------------------------------------------------------------------

ItemPager::ItemPager(std::shared_ptr<const ModelTable> table,
                     std::variant<aws::QueryRequest, aws::ScanRequest> request,
                     std::optional<std::size_t> limit, std::optional<std::int32_t> page_size)
    : table_(std::move(table)),
      request_(std::move(request)),
      remaining_(limit),
      page_size_(page_size) {}

std::optional<ItemPager::Page> ItemPager::next_page() {
  if (done_) return std::nullopt;
  if (remaining_ && *remaining_ == 0) {
    done_ = true;
    return std::nullopt;
  }
  // DynamoDB's Limit bounds the items evaluated, hence also those returned: asking for no
  // more than the caller still wants means a page never has to be cut (and its
  // LastEvaluatedKey stays exact for resuming).
  std::optional<std::int32_t> limit = page_size_;
  if (remaining_) {
    const auto cap = static_cast<std::int32_t>(
        std::min<std::size_t>(*remaining_, std::numeric_limits<std::int32_t>::max()));
    limit = limit ? std::min(*limit, cap) : cap;
  }
  std::vector<Item> items;
  std::optional<Item> last;
  if (auto* query = std::get_if<aws::QueryRequest>(&request_)) {
    query->limit = limit;
    aws::QueryResult result = table_->dynamodb().query(*query);
    items = std::move(result.items);
    last = std::move(result.last_evaluated_key);
    query->exclusive_start_key = last;
  } else {
    auto& scan = std::get<aws::ScanRequest>(request_);
    scan.limit = limit;
    aws::ScanResult result = table_->dynamodb().scan(scan);
    items = std::move(result.items);
    last = std::move(result.last_evaluated_key);
    scan.exclusive_start_key = last;
  }
  Page page{.items = table_->unprotect(std::move(items)), .last_evaluated_key = last};
  resume_key_ = std::move(last);
  if (remaining_) *remaining_ -= std::min(*remaining_, page.items.size());
  if (!resume_key_ || (remaining_ && *remaining_ == 0)) done_ = true;
  return page;
}

ItemPager ModelTable::query(const Condition& key_condition, const QueryOptions& options) const {
  check_condition(key_condition, "a key condition");
  if (options.filter) check_condition(*options.filter, "a filter");
  if (options.index_name && !index(*options.index_name)) {
    throw ConfigError("index " + *options.index_name + " is not declared in the schema of model " +
                      description_.model_name);
  }
  if (options.limit && *options.limit == 0) throw ConfigError("QueryOptions::limit must be >= 1");
  if (options.page_size && *options.page_size < 1) {
    throw ConfigError("QueryOptions::page_size must be >= 1");
  }
  ExpressionAttributes attributes;
  aws::QueryRequest request{.table_name = description_.table_name,
                            .index_name = options.index_name};
  request.key_condition_expression = key_condition.render(attributes);
  if (options.filter) request.filter_expression = options.filter->render(attributes);
  request.expression_attribute_names = attributes.take_names();
  request.expression_attribute_values = attributes.take_values();
  if (options.consistency == ReadConsistency::kStrong) request.consistent_read = true;
  if (options.order == SortOrder::kDescending) request.scan_index_forward = false;
  request.exclusive_start_key = options.exclusive_start_key;
  return ItemPager(shared_from_this(), std::move(request), options.limit, options.page_size);
}

ItemPager ModelTable::scan(const ScanOptions& options) const {
  if (options.filter) check_condition(*options.filter, "a filter");
  if (options.index_name && !index(*options.index_name)) {
    throw ConfigError("index " + *options.index_name + " is not declared in the schema of model " +
                      description_.model_name);
  }
  if (options.segment.has_value() != options.total_segments.has_value()) {
    throw ConfigError("ScanOptions::segment and total_segments go together");
  }
  if (options.limit && *options.limit == 0) throw ConfigError("ScanOptions::limit must be >= 1");
  if (options.page_size && *options.page_size < 1) {
    throw ConfigError("ScanOptions::page_size must be >= 1");
  }
  aws::ScanRequest request{.table_name = description_.table_name,
                           .index_name = options.index_name};
  if (options.filter) {
    ExpressionAttributes attributes;
    request.filter_expression = options.filter->render(attributes);
    request.expression_attribute_names = attributes.take_names();
    request.expression_attribute_values = attributes.take_values();
  }
  if (options.consistency == ReadConsistency::kStrong) request.consistent_read = true;
  request.exclusive_start_key = options.exclusive_start_key;
  request.segment = options.segment;
  request.total_segments = options.total_segments;
  return ItemPager(shared_from_this(), std::move(request), options.limit, options.page_size);
}

std::vector<LoadedItem> ModelTable::parallel_scan(std::int32_t total_segments,
                                                  const ScanOptions& options) const {
  if (total_segments < 1) throw ConfigError("parallel_scan needs at least one segment");
  if (options.segment || options.total_segments || options.limit || options.exclusive_start_key) {
    throw ConfigError(
        "parallel_scan sets the segments itself and reads every item: leave segment, "
        "total_segments, limit and exclusive_start_key unset (or use scan per segment)");
  }
  const auto count = static_cast<std::size_t>(total_segments);
  std::vector<std::vector<LoadedItem>> per_segment(count);
  std::vector<std::exception_ptr> errors(count);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t s; (s = next.fetch_add(1)) < count;) {
      try {
        ScanOptions one = options;
        one.segment = static_cast<std::int32_t>(s);
        one.total_segments = total_segments;
        ItemPager pager = scan(one);
        while (auto page = pager.next_page()) {
          for (auto& item : page->items) per_segment[s].push_back(std::move(item));
        }
      } catch (...) {
        errors[s] = std::current_exception();
      }
    }
  };
  std::vector<std::future<void>> helpers;
  const std::size_t threads = std::min(count, kMaxParallelSegments);
  for (std::size_t t = 1; t < threads; ++t) {
    try {
      helpers.push_back(std::async(std::launch::async, worker));
    } catch (const std::system_error&) {
      break;  // no more threads: the remaining segments run on those we have
    }
  }
  worker();
  for (auto& h : helpers) h.get();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  std::vector<LoadedItem> out;
  for (auto& segment : per_segment) {
    for (auto& item : segment) out.push_back(std::move(item));
  }
  return out;
}

// ----- Batches -------------------------------------------------------------------------------

std::vector<LoadedItem> ModelTable::batch_get(const std::vector<Item>& keys,
                                              ReadConsistency consistency) const {
  std::vector<Item> unique;
  std::map<std::string, std::size_t> seen;
  for (const Item& k : keys) {
    const Item key = key_of(k);
    if (seen.emplace(describe_key(key), unique.size()).second) unique.push_back(key);
  }
  std::vector<Item> found;
  for (std::size_t start = 0; start < unique.size(); start += kBatchGetLimit) {
    const std::size_t end = std::min(unique.size(), start + kBatchGetLimit);
    std::vector<Item> pending(unique.begin() + static_cast<std::ptrdiff_t>(start),
                              unique.begin() + static_cast<std::ptrdiff_t>(end));
    for (int attempt = 1;; ++attempt) {
      aws::BatchGetItemRequest request;
      aws::KeysAndAttributes& part = request.request_items[description_.table_name];
      part.keys = std::move(pending);
      if (consistency == ReadConsistency::kStrong) part.consistent_read = true;
      aws::BatchGetItemResult result = options_.dynamodb->batch_get_item(request);
      for (auto& [table, items] : result.responses) {
        for (auto& item : items) found.push_back(std::move(item));
      }
      pending.clear();
      if (auto it = result.unprocessed_keys.find(description_.table_name);
          it != result.unprocessed_keys.end()) {
        pending = std::move(it->second.keys);
      }
      if (pending.empty()) break;
      if (attempt >= options_.batch_retry.max_attempts) {
        throw DynamoDbError(AwsErrorInfo{
            .error_code = "UnprocessedKeys",
            .message = "BatchGetItem left " + std::to_string(pending.size()) + " of " +
                       std::to_string(unique.size()) + " keys unread after " +
                       std::to_string(attempt) + " attempts (model " + description_.model_name +
                       ", table " + description_.table_name + "): " +
                       name_some(pending.size(), [&](std::size_t i) { return describe_key(pending[i]); }),
            .retryable = true,
            .attempts = attempt,
        });
      }
      std::this_thread::sleep_for(backoff(options_.batch_retry, attempt));
    }
  }
  std::vector<LoadedItem> loaded = unprotect(std::move(found));
  std::vector<std::optional<LoadedItem>> by_key(unique.size());
  for (auto& item : loaded) {
    const auto it = seen.find(describe_key(key_of(item.stored)));
    if (it != seen.end()) by_key[it->second] = std::move(item);
  }
  std::vector<LoadedItem> out;
  for (auto& item : by_key) {
    if (item) out.push_back(std::move(*item));
  }
  return out;
}

void ModelTable::batch_write(const std::vector<Item>& puts,
                             const std::vector<Item>& delete_keys) const {
  std::vector<aws::WriteRequest> writes;
  std::set<std::string> keys;
  auto add = [&](aws::WriteRequest w) {
    if (!keys.insert(describe_key(key_of(key_of_request(w)))).second) {
      throw ConfigError("a batch writes " + describe_key(key_of(key_of_request(w))) +
                        " twice (model " + description_.model_name + ")");
    }
    writes.push_back(std::move(w));
  };
  for (const Item& item : puts) add(aws::PutRequest{.item = item});
  for (const Item& key : delete_keys) add(aws::DeleteRequest{.key = key_of(key)});

  std::size_t landed = 0;
  for (std::size_t start = 0; start < writes.size(); start += kBatchWriteLimit) {
    const std::size_t end = std::min(writes.size(), start + kBatchWriteLimit);
    std::vector<aws::WriteRequest> pending(writes.begin() + static_cast<std::ptrdiff_t>(start),
                                           writes.begin() + static_cast<std::ptrdiff_t>(end));
    for (int attempt = 1;; ++attempt) {
      const std::size_t sent = pending.size();
      aws::BatchWriteItemRequest request;
      request.request_items[description_.table_name] = std::move(pending);
      aws::BatchWriteItemResult result;
      try {
        result = options_.dynamodb->batch_write_item(request);
      } catch (const DynamoDbError& e) {
        throw rephrase(e, e.error_code(),
                       "BatchWriteItem failed after " + std::to_string(landed) + " of " +
                           std::to_string(writes.size()) + " writes had landed (model " +
                           description_.model_name + ", table " + description_.table_name +
                           "): " + e.aws_message());
      }
      pending.clear();
      if (auto it = result.unprocessed_items.find(description_.table_name);
          it != result.unprocessed_items.end()) {
        pending = std::move(it->second);
      }
      landed += sent - pending.size();
      if (pending.empty()) break;
      if (attempt >= options_.batch_retry.max_attempts) {
        const std::size_t not_sent = writes.size() - end;
        throw DynamoDbError(AwsErrorInfo{
            .error_code = "UnprocessedItems",
            .message = "BatchWriteItem left " + std::to_string(pending.size()) +
                       " writes unprocessed after " + std::to_string(attempt) +
                       " attempts (model " + description_.model_name + ", table " +
                       description_.table_name + "): " +
                       name_some(pending.size(),
                                 [&](std::size_t i) {
                                   return describe_key(key_of(key_of_request(pending[i])));
                                 }) +
                       "; " +
                       std::to_string(landed) + " of " + std::to_string(writes.size()) +
                       " writes landed" +
                       (not_sent ? ", " + std::to_string(not_sent) + " were not sent" : ""),
            .retryable = true,
            .attempts = attempt,
        });
      }
      std::this_thread::sleep_for(backoff(options_.batch_retry, attempt));
    }
  }
}

std::vector<std::optional<LoadedItem>> ModelTable::transact_get(
    const std::vector<Item>& keys) const {
  if (keys.empty()) return {};
  if (keys.size() > kTransactionLimit) {
    throw ConfigError("a transaction reads at most 100 items");
  }
  aws::TransactGetItemsRequest request;
  for (const Item& k : keys) {
    request.transact_items.push_back(
        aws::TransactGet{.table_name = description_.table_name, .key = key_of(k)});
  }
  aws::TransactGetItemsResult result = options_.dynamodb->transact_get_items(request);
  std::vector<Item> present;
  std::vector<std::size_t> where;
  for (std::size_t i = 0; i < result.responses.size() && i < keys.size(); ++i) {
    if (result.responses[i]) {
      present.push_back(std::move(*result.responses[i]));
      where.push_back(i);
    }
  }
  std::vector<LoadedItem> loaded = unprotect(std::move(present));
  std::vector<std::optional<LoadedItem>> out(keys.size());
  for (std::size_t k = 0; k < loaded.size(); ++k) out[where[k]] = std::move(loaded[k]);
  return out;
}

// ----- Transactions --------------------------------------------------------------------------

TransactionEntry ModelTable::prepare_put(const Item& stored, const WriteCondition& condition) const {
  ExpressionAttributes attributes;
  Rendered rendered = render_write_condition(condition, attributes);
  aws::TransactPut put{
      .table_name = description_.table_name,
      .item = stored,
      .condition_expression = rendered.expression,
      .expression_attribute_names = attributes.take_names(),
      .expression_attribute_values = attributes.take_values(),
  };
  if (condition.expected_version) {
    put.return_values_on_condition_check_failure = aws::ReturnValuesOnConditionCheckFailure::kAllOld;
  }
  return TransactionEntry{.table = shared_from_this(),
                          .item = std::move(put),
                          .key = key_of(stored),
                          .expected_version = condition.expected_version,
                          .after_commit = {}};
}

TransactionEntry ModelTable::prepare_update(const Item& key, const std::vector<UpdateAction>& actions,
                                            const WriteCondition& condition, Item& written) const {
  ExpressionAttributes attributes;
  std::string expression = render_update(key, actions, attributes, written);
  if (expression.empty()) {
    throw ConfigError("an update needs at least one change (model " + description_.model_name +
                      ")");
  }
  Rendered rendered = render_write_condition(condition, attributes);
  aws::TransactUpdate update{
      .table_name = description_.table_name,
      .key = key_of(key),
      .update_expression = std::move(expression),
      .condition_expression = rendered.expression,
      .expression_attribute_names = attributes.take_names(),
      .expression_attribute_values = attributes.take_values(),
  };
  if (condition.expected_version) {
    update.return_values_on_condition_check_failure =
        aws::ReturnValuesOnConditionCheckFailure::kAllOld;
  }
  return TransactionEntry{.table = shared_from_this(),
                          .item = std::move(update),
                          .key = key_of(key),
                          .expected_version = condition.expected_version,
                          .after_commit = {}};
}

TransactionEntry ModelTable::prepare_delete(const Item& key, const WriteCondition& condition) const {
  ExpressionAttributes attributes;
  Rendered rendered = render_write_condition(condition, attributes);
  aws::TransactDelete del{
      .table_name = description_.table_name,
      .key = key_of(key),
      .condition_expression = rendered.expression,
      .expression_attribute_names = attributes.take_names(),
      .expression_attribute_values = attributes.take_values(),
  };
  if (condition.expected_version) {
    del.return_values_on_condition_check_failure = aws::ReturnValuesOnConditionCheckFailure::kAllOld;
  }
  return TransactionEntry{.table = shared_from_this(),
                          .item = std::move(del),
                          .key = key_of(key),
                          .expected_version = condition.expected_version,
                          .after_commit = {}};
}

TransactionEntry ModelTable::prepare_condition_check(const Item& key,
                                                     const Condition& condition) const {
  check_condition(condition, "a condition check");
  ExpressionAttributes attributes;
  aws::TransactConditionCheck check{.table_name = description_.table_name, .key = key_of(key)};
  check.condition_expression = condition.render(attributes);
  check.expression_attribute_names = attributes.take_names();
  check.expression_attribute_values = attributes.take_values();
  return TransactionEntry{.table = shared_from_this(),
                          .item = std::move(check),
                          .key = key_of(key),
                          .expected_version = std::nullopt,
                          .after_commit = {}};
}

void commit_transaction(std::vector<TransactionEntry>& entries,
                        std::optional<std::string> client_request_token) {
  if (entries.empty()) return;
  if (entries.size() > kTransactionLimit) {
    throw ConfigError("a transaction writes at most 100 items");
  }
  const aws::DynamoDbClient& client = entries.front().table->dynamodb();
  aws::TransactWriteItemsRequest request;
  request.client_request_token = std::move(client_request_token);
  for (const TransactionEntry& e : entries) {
    if (&e.table->dynamodb() != &client) {
      throw ConfigError("every repository in a transaction must use the same DynamoDbClient");
    }
    request.transact_items.push_back(e.item);
  }
  try {
    (void)client.transact_write_items(request);
  } catch (const DynamoDbError& e) {
    if (!e.is_transaction_canceled()) throw;
    const auto& reasons = aws::cancellation_reasons(e);
    std::vector<std::string> parts;
    bool conflict = false;
    for (std::size_t i = 0; i < reasons.size() && i < entries.size(); ++i) {
      const auto& r = reasons[i];
      if (r.code.empty() || r.code == "None") continue;
      const TransactionEntry& entry = entries[i];
      const ModelTable& t = *entry.table;
      std::string part = "write " + std::to_string(i + 1) + " (" + t.model_name() + " " +
                         t.describe_key(entry.key) + " in " + t.table_name() + "): " + r.code;
      if (r.code == "ConditionalCheckFailed" && entry.expected_version && t.version_attribute()) {
        if (r.item) {
          const std::int64_t stored = version_in(r.item, *t.version_attribute());
          if (stored != *entry.expected_version) {
            conflict = true;
            part += ", version conflict: stored version " + std::to_string(stored) +
                    ", expected " + std::to_string(*entry.expected_version);
          }
        } else {
          part += " (the version check or the write's condition)";
        }
      }
      parts.push_back(std::move(part));
    }
    throw rephrase(e, conflict ? "VersionConflict" : e.error_code(),
                   (conflict ? "Version conflict: transaction canceled: "
                             : "Transaction canceled: ") +
                       (parts.empty() ? e.aws_message() : join(parts, "; ")));
  }
  for (TransactionEntry& e : entries) {
    if (e.after_commit) e.after_commit();
  }
}

// ----- Tables --------------------------------------------------------------------------------

void ModelTable::create_table(const CreateTableOptions& options) const {
  aws::CreateTableRequest request{.table_name = description_.table_name};
  request.billing_mode = aws::BillingMode::kPayPerRequest;
  std::set<std::string> defined;
  auto define = [&](const std::string& name) {
    if (!defined.insert(name).second) return;
    request.attribute_definitions.push_back(
        aws::AttributeDefinition{.attribute_name = name, .attribute_type = *field(name)->scalar_type});
  };
  define(partition_key_);
  request.key_schema.push_back({.attribute_name = partition_key_, .key_type = aws::KeyType::kHash});
  if (sort_key_) {
    define(*sort_key_);
    request.key_schema.push_back({.attribute_name = *sort_key_, .key_type = aws::KeyType::kRange});
  }
  for (const IndexSpec& index : description_.indexes) {
    std::vector<aws::KeySchemaElement> keys{
        {.attribute_name = index.partition_key, .key_type = aws::KeyType::kHash}};
    define(index.partition_key);
    if (index.sort_key) {
      define(*index.sort_key);
      keys.push_back({.attribute_name = *index.sort_key, .key_type = aws::KeyType::kRange});
    }
    const aws::Projection all{.projection_type = aws::ProjectionType::kAll};
    if (index.kind == IndexKind::kGlobal) {
      request.global_secondary_indexes.push_back(
          aws::GlobalSecondaryIndex{.index_name = index.name, .key_schema = keys, .projection = all});
    } else {
      request.local_secondary_indexes.push_back(
          aws::LocalSecondaryIndex{.index_name = index.name, .key_schema = keys, .projection = all});
    }
  }
  (void)options_.dynamodb->create_table(request);
  (void)aws::wait_until_table_active(
      *options_.dynamodb, description_.table_name,
      aws::TableWaitOptions{.timeout = options.wait_timeout, .poll_interval = options.poll_interval});
}

void ModelTable::delete_table() const {
  (void)options_.dynamodb->delete_table({.table_name = description_.table_name});
  aws::wait_until_table_deleted(*options_.dynamodb, description_.table_name);
}

}  // namespace ddbcrypt::model::detail
