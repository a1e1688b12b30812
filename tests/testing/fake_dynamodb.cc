#include "testing/fake_dynamodb.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <thread>

#include "ddbcrypt/error.h"
#include "item/decimal.h"

namespace ddbcrypt::testing {
namespace {

using aws::ScalarAttributeType;

DynamoDbError error(std::string code, std::string message, bool retryable = false,
                    std::shared_ptr<const aws::DynamoDbErrorDetails> details = nullptr) {
  return DynamoDbError(AwsErrorInfo{.error_code = std::move(code),
                                    .message = std::move(message),
                                    .http_status = retryable ? 500 : 400,
                                    .request_id = "fake-ddb",
                                    .retryable = retryable},
                       std::move(details));
}

DynamoDbError validation(std::string message) {
  return error("ValidationException", std::move(message));
}

AttributeValue::Type value_type(ScalarAttributeType t) {
  switch (t) {
    case ScalarAttributeType::kS:
      return AttributeValue::Type::kS;
    case ScalarAttributeType::kN:
      return AttributeValue::Type::kN;
    case ScalarAttributeType::kB:
      return AttributeValue::Type::kB;
  }
  return AttributeValue::Type::kS;
}

// <0, 0, >0 as DynamoDB orders key values of one type.
int compare_keys(const AttributeValue& a, const AttributeValue& b) {
  if (a.type() != b.type()) throw validation("key value types differ");
  switch (a.type()) {
    case AttributeValue::Type::kN:
      return internal::DecimalView::parse(a.as_n()).compare(internal::DecimalView::parse(b.as_n()));
    case AttributeValue::Type::kS:
      return a.as_s().compare(b.as_s()) < 0 ? -1 : (a.as_s() == b.as_s() ? 0 : 1);
    case AttributeValue::Type::kB: {
      const Bytes& x = a.as_b();
      const Bytes& y = b.as_b();
      if (x == y) return 0;
      return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end()) ? -1 : 1;
    }
    default:
      throw validation("key values must be S, N or B");
  }
}

// Expression tokens: names, placeholders, operators, parentheses, commas.
std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '(' || c == ')' || c == ',') {
      out.emplace_back(1, c);
      ++i;
    } else if (c == '=' || c == '<' || c == '>') {
      std::size_t n = 1;
      if (i + 1 < text.size() && (text[i + 1] == '=' || (c == '<' && text[i + 1] == '>'))) n = 2;
      out.emplace_back(text.substr(i, n));
      i += n;
    } else {
      const std::size_t start = i;
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) &&
             std::string_view("()=<>,").find(text[i]) == std::string_view::npos) {
        ++i;
      }
      out.emplace_back(text.substr(start, i - start));
    }
  }
  return out;
}

bool keyword(const std::string& token, std::string_view word) {
  if (token.size() != word.size()) return false;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(token[i])) != word[i]) return false;
  }
  return true;
}

// Resolves names and values of one expression and checks, as DynamoDB does, that every
// placeholder given is used.
class Placeholders {
 public:
  Placeholders(const aws::ExpressionAttributeNames& names,
               const aws::ExpressionAttributeValues& values)
      : names_(names), values_(values) {}

  std::string name(const std::string& token) {
    if (token.empty() || token[0] == ':') throw validation("expected an attribute name");
    if (token[0] != '#') return token;
    const auto it = names_.find(token);
    if (it == names_.end()) {
      throw validation("An expression attribute name used in the document path is not "
                       "defined; attribute name: " + token);
    }
    used_names_.insert(token);
    return it->second;
  }
  const AttributeValue& value(const std::string& token) {
    const auto it = values_.find(token);
    if (it == values_.end()) {
      throw validation("An expression attribute value used in expression is not defined; "
                       "attribute value: " + token);
    }
    used_values_.insert(token);
    return it->second;
  }
  void check_all_used() const {
    for (const auto& [k, v] : names_) {
      if (!used_names_.count(k)) {
        throw validation("Value provided in ExpressionAttributeNames unused in expressions: "
                         "keys: {" + k + "}");
      }
    }
    for (const auto& [k, v] : values_) {
      if (!used_values_.count(k)) {
        throw validation("Value provided in ExpressionAttributeValues unused in expressions: "
                         "keys: {" + k + "}");
      }
    }
  }

 private:
  const aws::ExpressionAttributeNames& names_;
  const aws::ExpressionAttributeValues& values_;
  std::set<std::string> used_names_;
  std::set<std::string> used_values_;
};

// attribute_exists(p) / attribute_not_exists(p) [AND ...] against `existing` (null: none).
bool condition_holds(const std::string& expression, Placeholders& p, const Item* existing) {
  const std::vector<std::string> t = tokenize(expression);
  bool holds = true;
  std::size_t i = 0;
  while (true) {
    if (i + 3 >= t.size() || t[i + 1] != "(" || t[i + 3] != ")") {
      throw error("UnsupportedOperation",
                  "FakeDynamoDb understands only attribute_exists / attribute_not_exists "
                  "joined by AND");
    }
    const std::string name = p.name(t[i + 2]);
    const bool exists = existing != nullptr && existing->count(name) != 0;
    if (t[i] == "attribute_exists") {
      holds = holds && exists;
    } else if (t[i] == "attribute_not_exists") {
      holds = holds && !exists;
    } else {
      throw error("UnsupportedOperation", "FakeDynamoDb does not implement " + t[i]);
    }
    i += 4;
    if (i == t.size()) return holds;
    if (!keyword(t[i], "AND")) {
      throw error("UnsupportedOperation", "FakeDynamoDb joins conditions only with AND");
    }
    ++i;
  }
}

struct KeyCondition {
  std::string name;
  std::string op;  // "=", "<", "<=", ">", ">=", "BETWEEN"
  std::vector<AttributeValue> values;
  bool matches(const AttributeValue& v) const {
    if (v.type() != values[0].type()) return false;
    const int c = compare_keys(v, values[0]);
    if (op == "=") return c == 0;
    if (op == "<") return c < 0;
    if (op == "<=") return c <= 0;
    if (op == ">") return c > 0;
    if (op == ">=") return c >= 0;
    return c >= 0 && compare_keys(v, values[1]) <= 0;
  }
};

std::vector<KeyCondition> parse_key_conditions(const std::string& expression, Placeholders& p) {
  const std::vector<std::string> t = tokenize(expression);
  std::vector<KeyCondition> out;
  std::size_t i = 0;
  while (i < t.size()) {
    if (i + 2 >= t.size()) throw validation("Invalid KeyConditionExpression");
    KeyCondition c{.name = p.name(t[i]), .op = t[i + 1]};
    if (keyword(c.op, "BETWEEN")) {
      if (i + 4 >= t.size() || !keyword(t[i + 3], "AND")) {
        throw validation("Invalid KeyConditionExpression");
      }
      c.op = "BETWEEN";
      c.values = {p.value(t[i + 2]), p.value(t[i + 4])};
      i += 5;
    } else if (c.op == "=" || c.op == "<" || c.op == "<=" || c.op == ">" || c.op == ">=") {
      c.values = {p.value(t[i + 2])};
      i += 3;
    } else {
      throw error("UnsupportedOperation", "FakeDynamoDb does not implement key condition " + c.op);
    }
    out.push_back(std::move(c));
    if (i < t.size()) {
      if (!keyword(t[i], "AND")) throw validation("Invalid KeyConditionExpression");
      ++i;
    }
  }
  return out;
}

Item project(const Item& item, const std::optional<std::string>& projection, Placeholders& p) {
  if (!projection) return item;
  Item out;
  for (const std::string& token : tokenize(*projection)) {
    if (token == ",") continue;
    const std::string name = p.name(token);
    if (const auto it = item.find(name); it != item.end()) out.insert(*it);
  }
  return out;
}

}  // namespace

void FakeDynamoDb::fail_next(const std::string& operation, const std::string& error_code,
                             int times) {
  std::lock_guard lock(mu_);
  failures_[operation] = Failure{error_code, times};
}

void FakeDynamoDb::fail_always(const std::string& operation, const std::string& error_code) {
  std::lock_guard lock(mu_);
  if (error_code.empty()) {
    failures_.erase(operation);
  } else {
    failures_[operation] = Failure{error_code, -1};
  }
}

void FakeDynamoDb::set_latency(std::chrono::milliseconds latency) {
  std::lock_guard lock(mu_);
  latency_ = latency;
}

std::size_t FakeDynamoDb::calls(std::string_view operation) const {
  std::lock_guard lock(mu_);
  const auto it = counts_.find(operation);
  return it == counts_.end() ? 0 : it->second;
}

void FakeDynamoDb::reset_counts() {
  std::lock_guard lock(mu_);
  counts_.clear();
  get_requests_.clear();
  query_requests_.clear();
  put_requests_.clear();
}

std::vector<aws::GetItemRequest> FakeDynamoDb::get_item_requests() const {
  std::lock_guard lock(mu_);
  return get_requests_;
}
std::vector<aws::QueryRequest> FakeDynamoDb::query_requests() const {
  std::lock_guard lock(mu_);
  return query_requests_;
}
std::vector<aws::PutItemRequest> FakeDynamoDb::put_item_requests() const {
  std::lock_guard lock(mu_);
  return put_requests_;
}

std::vector<Item> FakeDynamoDb::items(const std::string& name) const {
  std::lock_guard lock(mu_);
  return table(name).items;
}

void FakeDynamoDb::overwrite(const std::string& name, Item item) {
  std::lock_guard lock(mu_);
  Table& t = table(name);
  const Item key = key_of(t, item, "item");
  if (auto it = find(t, key); it != t.items.end()) {
    *it = std::move(item);
  } else {
    t.items.push_back(std::move(item));
  }
}

void FakeDynamoDb::begin(const std::string& operation) const {
  std::string injected;
  std::chrono::milliseconds latency{0};
  {
    std::lock_guard lock(mu_);
    ++counts_[operation];
    if (auto it = failures_.find(operation); it != failures_.end()) {
      injected = it->second.code;
      if (it->second.remaining > 0 && --it->second.remaining == 0) failures_.erase(it);
    }
    latency = latency_;
  }
  if (latency.count() > 0) std::this_thread::sleep_for(latency);
  if (!injected.empty()) {
    const bool client_error = injected.find("AccessDenied") != std::string::npos ||
                              injected == "ResourceNotFoundException" ||
                              injected == "ValidationException";
    throw error(injected, "injected by the test", !client_error);
  }
}

FakeDynamoDb::Table& FakeDynamoDb::table(const std::string& name) const {
  const auto it = tables_.find(name);
  if (it == tables_.end()) {
    throw error("ResourceNotFoundException", "Requested resource not found: Table: " + name +
                                                 " not found");
  }
  return it->second;
}

Item FakeDynamoDb::key_of(const Table& t, const Item& item, std::string_view what) const {
  Item key;
  for (const KeyAttribute* k : {&t.hash, t.range ? &*t.range : nullptr}) {
    if (k == nullptr) continue;
    const auto it = item.find(k->name);
    if (it == item.end() || !it->second.is(value_type(k->type))) {
      throw validation("One or more parameter values were invalid: the " + std::string(what) +
                       " lacks key attribute " + k->name + " of its declared type");
    }
    key.insert(*it);
  }
  return key;
}

std::vector<Item>::iterator FakeDynamoDb::find(Table& t, const Item& key) const {
  return std::find_if(t.items.begin(), t.items.end(), [&](const Item& item) {
    for (const auto& [name, value] : key) {
      if (compare_keys(item.at(name), value) != 0) return false;
    }
    return true;
  });
}

aws::GetItemResult FakeDynamoDb::get_item(const aws::GetItemRequest& request) const {
  begin("GetItem");
  std::lock_guard lock(mu_);
  get_requests_.push_back(request);
  Table& t = table(request.table_name);
  const Item key = key_of(t, request.key, "key");
  if (key.size() != request.key.size()) {
    throw validation("The provided key element does not match the schema");
  }
  static const aws::ExpressionAttributeValues kNoValues;
  Placeholders p(request.expression_attribute_names, kNoValues);
  aws::GetItemResult result;
  if (auto it = find(t, key); it != t.items.end()) {
    result.item = project(*it, request.projection_expression, p);
  } else if (request.projection_expression) {
    (void)project(Item{}, request.projection_expression, p);
  }
  p.check_all_used();
  return result;
}

aws::PutItemResult FakeDynamoDb::put_item(const aws::PutItemRequest& request) const {
  begin("PutItem");
  std::lock_guard lock(mu_);
  put_requests_.push_back(request);
  if (!request.expected.empty()) {
    throw error("UnsupportedOperation", "FakeDynamoDb does not implement Expected");
  }
  Table& t = table(request.table_name);
  const Item key = key_of(t, request.item, "item");
  auto existing = find(t, key);
  const Item* old = existing == t.items.end() ? nullptr : &*existing;
  Placeholders p(request.expression_attribute_names, request.expression_attribute_values);
  if (request.condition_expression) {
    if (!condition_holds(*request.condition_expression, p, old)) {
      p.check_all_used();
      auto details = std::make_shared<aws::DynamoDbErrorDetails>();
      if (old && request.return_values_on_condition_check_failure ==
                     aws::ReturnValuesOnConditionCheckFailure::kAllOld) {
        details->item = *old;
      }
      throw error("ConditionalCheckFailedException", "The conditional request failed", false,
                  std::move(details));
    }
  }
  p.check_all_used();
  aws::PutItemResult result;
  if (old && request.return_values == aws::ReturnValue::kAllOld) result.attributes = *old;
  if (old) {
    *existing = request.item;
  } else {
    t.items.push_back(request.item);
  }
  return result;
}

aws::DeleteItemResult FakeDynamoDb::delete_item(const aws::DeleteItemRequest& request) const {
  begin("DeleteItem");
  std::lock_guard lock(mu_);
  if (request.condition_expression || !request.expected.empty()) {
    throw error("UnsupportedOperation", "FakeDynamoDb does not implement conditional deletes");
  }
  Table& t = table(request.table_name);
  const Item key = key_of(t, request.key, "key");
  aws::DeleteItemResult result;
  if (auto it = find(t, key); it != t.items.end()) {
    if (request.return_values == aws::ReturnValue::kAllOld) result.attributes = *it;
    t.items.erase(it);
  }
  return result;
}

aws::QueryResult FakeDynamoDb::query(const aws::QueryRequest& request) const {
  begin("Query");
  std::lock_guard lock(mu_);
  query_requests_.push_back(request);
  if (request.index_name || request.filter_expression || !request.key_conditions.empty() ||
      !request.query_filter.empty() || request.select) {
    throw error("UnsupportedOperation",
                "FakeDynamoDb queries only the base table by key condition expression");
  }
  if (!request.key_condition_expression) {
    throw validation("Either the KeyConditions or KeyConditionExpression parameter must be "
                     "specified in the request.");
  }
  Table& t = table(request.table_name);
  Placeholders p(request.expression_attribute_names, request.expression_attribute_values);
  const std::vector<KeyCondition> conditions =
      parse_key_conditions(*request.key_condition_expression, p);
  const KeyCondition* hash = nullptr;
  const KeyCondition* range = nullptr;
  for (const KeyCondition& c : conditions) {
    if (c.name == t.hash.name && c.op == "=" && !hash) {
      hash = &c;
    } else if (t.range && c.name == t.range->name && !range) {
      range = &c;
    } else {
      throw validation("Query key condition not supported");
    }
  }
  if (!hash) throw validation("Query condition missed key schema element: " + t.hash.name);
  for (const KeyCondition* c : {hash, range}) {
    if (!c) continue;
    const KeyAttribute& k = c == hash ? t.hash : *t.range;
    for (const AttributeValue& v : c->values) {
      if (!v.is(value_type(k.type))) {
        throw validation("One or more parameter values were invalid: Condition parameter type "
                         "does not match schema type");
      }
    }
  }
  if (request.limit && *request.limit <= 0) {
    throw validation("Limit must be greater than or equal to 1");
  }
  std::vector<const Item*> matching;
  for (const Item& item : t.items) {
    if (!hash->matches(item.at(t.hash.name))) continue;
    if (range && !range->matches(item.at(t.range->name))) continue;
    matching.push_back(&item);
  }
  if (t.range) {
    const std::string& sort = t.range->name;
    std::sort(matching.begin(), matching.end(), [&](const Item* a, const Item* b) {
      return compare_keys(a->at(sort), b->at(sort)) < 0;
    });
  }
  if (request.scan_index_forward == false) std::reverse(matching.begin(), matching.end());
  std::size_t start = 0;
  if (request.exclusive_start_key) {
    const Item start_key = key_of(t, *request.exclusive_start_key, "ExclusiveStartKey");
    while (start < matching.size()) {
      bool same = true;
      for (const auto& [name, value] : start_key) {
        if (compare_keys(matching[start]->at(name), value) != 0) same = false;
      }
      ++start;
      if (same) break;
    }
  }
  aws::QueryResult result;
  for (std::size_t i = start; i < matching.size(); ++i) {
    if (request.limit && result.items.size() == static_cast<std::size_t>(*request.limit)) break;
    result.items.push_back(project(*matching[i], request.projection_expression, p));
    if (request.limit && result.items.size() == static_cast<std::size_t>(*request.limit)) {
      result.last_evaluated_key = key_of(t, *matching[i], "item");
    }
  }
  if (request.projection_expression && result.items.empty()) {
    (void)project(Item{}, request.projection_expression, p);
  }
  p.check_all_used();
  result.count = static_cast<std::int64_t>(result.items.size());
  result.scanned_count = result.count;
  return result;
}

aws::CreateTableResult FakeDynamoDb::create_table(const aws::CreateTableRequest& request) const {
  begin("CreateTable");
  std::lock_guard lock(mu_);
  if (tables_.count(request.table_name)) {
    throw error("ResourceInUseException", "Table already exists: " + request.table_name);
  }
  const auto type_of = [&](const std::string& name) {
    for (const aws::AttributeDefinition& d : request.attribute_definitions) {
      if (d.attribute_name == name) return d.attribute_type;
    }
    throw validation("key attribute " + name + " has no attribute definition");
  };
  Table t;
  bool has_hash = false;
  for (const aws::KeySchemaElement& k : request.key_schema) {
    if (k.key_type == aws::KeyType::kHash) {
      t.hash = {k.attribute_name, type_of(k.attribute_name)};
      has_hash = true;
    } else {
      t.range = KeyAttribute{k.attribute_name, type_of(k.attribute_name)};
    }
  }
  if (!has_hash || request.attribute_definitions.size() != request.key_schema.size()) {
    throw validation("the key schema needs one HASH key, and every attribute definition must "
                     "be a key attribute");
  }
  const bool on_demand = request.billing_mode == aws::BillingMode::kPayPerRequest;
  if (on_demand == request.provisioned_throughput.has_value()) {
    throw validation("ProvisionedThroughput must be given exactly for PROVISIONED tables");
  }
  t.description = aws::TableDescription{
      .table_name = request.table_name,
      .table_arn = "arn:aws:dynamodb:" + region_ + ":111122223333:table/" + request.table_name,
      .table_status = "ACTIVE",
      .attribute_definitions = request.attribute_definitions,
      .key_schema = request.key_schema,
      .item_count = 0,
      .billing_mode_summary =
          aws::BillingModeSummary{.billing_mode = on_demand ? aws::BillingMode::kPayPerRequest
                                                            : aws::BillingMode::kProvisioned},
  };
  if (request.provisioned_throughput) {
    t.description.provisioned_throughput = aws::ProvisionedThroughputDescription{
        .read_capacity_units = request.provisioned_throughput->read_capacity_units,
        .write_capacity_units = request.provisioned_throughput->write_capacity_units};
  }
  aws::CreateTableResult result{.table_description = t.description};
  tables_.emplace(request.table_name, std::move(t));
  return result;
}

aws::DescribeTableResult FakeDynamoDb::describe_table(
    const aws::DescribeTableRequest& request) const {
  begin("DescribeTable");
  std::lock_guard lock(mu_);
  const Table& t = table(request.table_name);
  aws::DescribeTableResult result{.table = t.description};
  result.table.item_count = static_cast<std::int64_t>(t.items.size());
  return result;
}

aws::DeleteTableResult FakeDynamoDb::delete_table(const aws::DeleteTableRequest& request) const {
  begin("DeleteTable");
  std::lock_guard lock(mu_);
  aws::DeleteTableResult result{.table_description = table(request.table_name).description};
  result.table_description.table_status = "DELETING";
  tables_.erase(request.table_name);
  return result;
}

aws::ListTablesResult FakeDynamoDb::list_tables(const aws::ListTablesRequest&) const {
  begin("ListTables");
  std::lock_guard lock(mu_);
  aws::ListTablesResult result;
  for (const auto& [name, t] : tables_) result.table_names.push_back(name);
  return result;
}

aws::UpdateItemResult FakeDynamoDb::update_item(const aws::UpdateItemRequest&) const {
  begin("UpdateItem");
  throw error("UnsupportedOperation", "FakeDynamoDb does not implement UpdateItem");
}
aws::ScanResult FakeDynamoDb::scan(const aws::ScanRequest&) const {
  begin("Scan");
  throw error("UnsupportedOperation", "FakeDynamoDb does not implement Scan");
}
aws::BatchGetItemResult FakeDynamoDb::batch_get_item(const aws::BatchGetItemRequest&) const {
  begin("BatchGetItem");
  throw error("UnsupportedOperation", "FakeDynamoDb does not implement BatchGetItem");
}
aws::BatchWriteItemResult FakeDynamoDb::batch_write_item(const aws::BatchWriteItemRequest&) const {
  begin("BatchWriteItem");
  throw error("UnsupportedOperation", "FakeDynamoDb does not implement BatchWriteItem");
}
aws::TransactGetItemsResult FakeDynamoDb::transact_get_items(
    const aws::TransactGetItemsRequest&) const {
  begin("TransactGetItems");
  throw error("UnsupportedOperation", "FakeDynamoDb does not implement TransactGetItems");
}
aws::TransactWriteItemsResult FakeDynamoDb::transact_write_items(
    const aws::TransactWriteItemsRequest&) const {
  begin("TransactWriteItems");
  throw error("UnsupportedOperation", "FakeDynamoDb does not implement TransactWriteItems");
}

}  // namespace ddbcrypt::testing
