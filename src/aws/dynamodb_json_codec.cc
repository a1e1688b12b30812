#include "aws/dynamodb_json_codec.h"

#include <simdjson.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"

namespace ddbcrypt::internal {
namespace {

namespace od = simdjson::ondemand;
using namespace ddbcrypt::aws;  // NOLINT(google-build-using-namespace): .cc only

// ----- Enum wire names (indexed by the enumerators' stable values) -----------------------------

template <class Enum, std::size_t N>
std::string_view name_of(Enum value, const std::array<std::string_view, N>& names) {
  const auto index = static_cast<std::size_t>(value);
  if (index >= N) throw ConfigError("invalid enum value in a DynamoDB request");
  return names[index];
}

constexpr std::array<std::string_view, 5> kReturnValueNames = {"NONE", "ALL_OLD", "UPDATED_OLD",
                                                                "ALL_NEW", "UPDATED_NEW"};
constexpr std::array<std::string_view, 2> kNoneAllOld = {"NONE", "ALL_OLD"};
constexpr std::array<std::string_view, 3> kReturnConsumedCapacityNames = {"NONE", "TOTAL",
                                                                          "INDEXES"};
constexpr std::array<std::string_view, 2> kReturnItemCollectionMetricsNames = {"NONE", "SIZE"};
constexpr std::array<std::string_view, 4> kSelectNames = {
    "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"};
constexpr std::array<std::string_view, 13> kComparisonOperatorNames = {
    "EQ",      "NE",       "IN",       "LE",           "LT",         "GE", "GT",
    "BETWEEN", "NOT_NULL", "NULL",     "CONTAINS",     "NOT_CONTAINS", "BEGINS_WITH"};
constexpr std::array<std::string_view, 2> kConditionalOperatorNames = {"AND", "OR"};
constexpr std::array<std::string_view, 3> kAttributeActionNames = {"ADD", "PUT", "DELETE"};
constexpr std::array<std::string_view, 3> kScalarAttributeTypeNames = {"S", "N", "B"};
constexpr std::array<std::string_view, 2> kKeyTypeNames = {"HASH", "RANGE"};
constexpr std::array<std::string_view, 3> kProjectionTypeNames = {"ALL", "KEYS_ONLY", "INCLUDE"};
constexpr std::array<std::string_view, 2> kBillingModeNames = {"PROVISIONED", "PAY_PER_REQUEST"};
constexpr std::array<std::string_view, 4> kStreamViewTypeNames = {"KEYS_ONLY", "NEW_IMAGE",
                                                                  "OLD_IMAGE", "NEW_AND_OLD_IMAGES"};
constexpr std::array<std::string_view, 2> kTableClassNames = {"STANDARD",
                                                              "STANDARD_INFREQUENT_ACCESS"};

std::string_view wire_name(ReturnValue v) { return name_of(v, kReturnValueNames); }
std::string_view wire_name(ReturnValuesOnConditionCheckFailure v) { return name_of(v, kNoneAllOld); }
std::string_view wire_name(ReturnConsumedCapacity v) {
  return name_of(v, kReturnConsumedCapacityNames);
}
std::string_view wire_name(ReturnItemCollectionMetrics v) {
  return name_of(v, kReturnItemCollectionMetricsNames);
}
std::string_view wire_name(Select v) { return name_of(v, kSelectNames); }
std::string_view wire_name(ComparisonOperator v) { return name_of(v, kComparisonOperatorNames); }
std::string_view wire_name(ConditionalOperator v) { return name_of(v, kConditionalOperatorNames); }
std::string_view wire_name(AttributeAction v) { return name_of(v, kAttributeActionNames); }
std::string_view wire_name(ScalarAttributeType v) { return name_of(v, kScalarAttributeTypeNames); }
std::string_view wire_name(KeyType v) { return name_of(v, kKeyTypeNames); }
std::string_view wire_name(ProjectionType v) { return name_of(v, kProjectionTypeNames); }
std::string_view wire_name(BillingMode v) { return name_of(v, kBillingModeNames); }
std::string_view wire_name(StreamViewType v) { return name_of(v, kStreamViewTypeNames); }
std::string_view wire_name(TableClass v) { return name_of(v, kTableClassNames); }

// ----- Writing --------------------------------------------------------------------------------

// Compact JSON with automatic commas. Objects and arrays must be balanced by the caller.
class JsonWriter {
 public:
  JsonWriter() { out_.reserve(256); }

  void begin_object() {
    separate();
    out_.push_back('{');
    first_.push_back(true);
  }
  void end_object() {
    out_.push_back('}');
    first_.pop_back();
  }
  void begin_array() {
    separate();
    out_.push_back('[');
    first_.push_back(true);
  }
  void end_array() {
    out_.push_back(']');
    first_.pop_back();
  }
  void key(std::string_view name) {
    separate();
    append_json_string(out_, name);
    out_.push_back(':');
    after_key_ = true;
  }
  void string(std::string_view text) {
    separate();
    append_json_string(out_, text);
  }
  void boolean(bool value) {
    separate();
    out_ += value ? "true" : "false";
  }
  void integer(std::int64_t value) {
    separate();
    out_ += std::to_string(value);
  }
  void attribute_value(const AttributeValue& value) {
    separate();
    append_json(out_, value);
  }
  void item(const Item& item) {
    separate();
    append_json(out_, item);
  }

  std::string take() && { return std::move(out_); }

 private:
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (first_.empty()) return;
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

// Members that are left out when unset or empty.
void put(JsonWriter& w, std::string_view name, const std::string& value) {
  w.key(name);
  w.string(value);
}
void put(JsonWriter& w, std::string_view name, const std::optional<std::string>& value) {
  if (value) put(w, name, *value);
}
void put(JsonWriter& w, std::string_view name, const std::optional<bool>& value) {
  if (!value) return;
  w.key(name);
  w.boolean(*value);
}
void put(JsonWriter& w, std::string_view name, const std::optional<std::int32_t>& value) {
  if (!value) return;
  w.key(name);
  w.integer(*value);
}
void put(JsonWriter& w, std::string_view name, const std::optional<std::int64_t>& value) {
  if (!value) return;
  w.key(name);
  w.integer(*value);
}
template <class Enum>
  requires std::is_enum_v<Enum>
void put(JsonWriter& w, std::string_view name, const std::optional<Enum>& value) {
  if (!value) return;
  w.key(name);
  w.string(wire_name(*value));
}
void put_item(JsonWriter& w, std::string_view name, const Item& item) {
  w.key(name);
  w.item(item);
}
void put(JsonWriter& w, std::string_view name, const std::optional<Item>& item) {
  if (item) put_item(w, name, *item);
}
void put(JsonWriter& w, std::string_view name, const ExpressionAttributeNames& names) {
  if (names.empty()) return;
  w.key(name);
  w.begin_object();
  for (const auto& [placeholder, attribute] : names) put(w, placeholder, attribute);
  w.end_object();
}
void put_values(JsonWriter& w, std::string_view name, const ExpressionAttributeValues& values) {
  if (values.empty()) return;
  w.key(name);
  w.begin_object();
  for (const auto& [placeholder, value] : values) {
    w.key(placeholder);
    w.attribute_value(value);
  }
  w.end_object();
}
void put(JsonWriter& w, std::string_view name, const std::vector<std::string>& strings) {
  if (strings.empty()) return;
  w.key(name);
  w.begin_array();
  for (const std::string& s : strings) w.string(s);
  w.end_array();
}
void put_value_list(JsonWriter& w, std::string_view name, const std::vector<AttributeValue>& list) {
  if (list.empty()) return;
  w.key(name);
  w.begin_array();
  for (const AttributeValue& v : list) w.attribute_value(v);
  w.end_array();
}

void put(JsonWriter& w, std::string_view name, const std::map<std::string, Condition>& conditions) {
  if (conditions.empty()) return;
  w.key(name);
  w.begin_object();
  for (const auto& [attribute, condition] : conditions) {
    w.key(attribute);
    w.begin_object();
    put_value_list(w, "AttributeValueList", condition.attribute_value_list);
    put(w, "ComparisonOperator", std::optional(condition.comparison_operator));
    w.end_object();
  }
  w.end_object();
}
void put(JsonWriter& w, std::string_view name,
         const std::map<std::string, ExpectedAttributeValue>& expected) {
  if (expected.empty()) return;
  w.key(name);
  w.begin_object();
  for (const auto& [attribute, e] : expected) {
    w.key(attribute);
    w.begin_object();
    if (e.value) {
      w.key("Value");
      w.attribute_value(*e.value);
    }
    put(w, "Exists", e.exists);
    put(w, "ComparisonOperator", e.comparison_operator);
    put_value_list(w, "AttributeValueList", e.attribute_value_list);
    w.end_object();
  }
  w.end_object();
}
void put(JsonWriter& w, std::string_view name,
         const std::map<std::string, AttributeValueUpdate>& updates) {
  if (updates.empty()) return;
  w.key(name);
  w.begin_object();
  for (const auto& [attribute, u] : updates) {
    w.key(attribute);
    w.begin_object();
    if (u.value) {
      w.key("Value");
      w.attribute_value(*u.value);
    }
    put(w, "Action", u.action);
    w.end_object();
  }
  w.end_object();
}

void put_keys_and_attributes(JsonWriter& w, const KeysAndAttributes& k) {
  w.begin_object();
  w.key("Keys");
  w.begin_array();
  for (const Item& key : k.keys) w.item(key);
  w.end_array();
  put(w, "AttributesToGet", k.attributes_to_get);
  put(w, "ConsistentRead", k.consistent_read);
  put(w, "ProjectionExpression", k.projection_expression);
  put(w, "ExpressionAttributeNames", k.expression_attribute_names);
  w.end_object();
}

void put_key_schema(JsonWriter& w, const std::vector<KeySchemaElement>& schema) {
  w.key("KeySchema");
  w.begin_array();
  for (const KeySchemaElement& e : schema) {
    w.begin_object();
    put(w, "AttributeName", e.attribute_name);
    put(w, "KeyType", std::optional(e.key_type));
    w.end_object();
  }
  w.end_array();
}
void put_projection(JsonWriter& w, const Projection& p) {
  w.key("Projection");
  w.begin_object();
  put(w, "ProjectionType", p.projection_type);
  put(w, "NonKeyAttributes", p.non_key_attributes);
  w.end_object();
}
void put(JsonWriter& w, std::string_view name, const std::optional<ProvisionedThroughput>& t) {
  if (!t) return;
  w.key(name);
  w.begin_object();
  put(w, "ReadCapacityUnits", std::optional(t->read_capacity_units));
  put(w, "WriteCapacityUnits", std::optional(t->write_capacity_units));
  w.end_object();
}
void put(JsonWriter& w, std::string_view name, const std::optional<OnDemandThroughput>& t) {
  if (!t) return;
  w.key(name);
  w.begin_object();
  put(w, "MaxReadRequestUnits", t->max_read_request_units);
  put(w, "MaxWriteRequestUnits", t->max_write_request_units);
  w.end_object();
}
void put(JsonWriter& w, std::string_view name, const std::optional<WarmThroughput>& t) {
  if (!t) return;
  w.key(name);
  w.begin_object();
  put(w, "ReadUnitsPerSecond", t->read_units_per_second);
  put(w, "WriteUnitsPerSecond", t->write_units_per_second);
  w.end_object();
}

// A condition-bearing write inside TransactWriteItems.
template <class Action>
void put_transact_common(JsonWriter& w, const Action& a) {
  put(w, "ConditionExpression", a.condition_expression);
  put(w, "ExpressionAttributeNames", a.expression_attribute_names);
  put_values(w, "ExpressionAttributeValues", a.expression_attribute_values);
  put(w, "ReturnValuesOnConditionCheckFailure", a.return_values_on_condition_check_failure);
}

// ----- Reading --------------------------------------------------------------------------------

[[noreturn]] void fail_at(std::string_view operation, const std::string& path,
                          std::string_view what) {
  throw FormatError("malformed DynamoDB " + std::string(operation) + " response at " + path +
                    ": " + std::string(what));
}

// A value in the response being decoded, with enough context to name its JSON path in an
// error. The path is only built when something is wrong.
class Node {
 public:
  Node(od::value value, std::string_view operation, const Node* parent, std::string_view key,
       std::size_t index)
      : value_(value), operation_(operation), parent_(parent), key_(key), index_(index) {}

  std::string path() const {
    std::string p = parent_ ? parent_->path() : std::string("$");
    if (!parent_) return p;
    if (key_.data() != nullptr) {
      p += '.';
      p += key_;
    } else {
      p += '[' + std::to_string(index_) + ']';
    }
    return p;
  }
  [[noreturn]] void fail(std::string_view what) const { fail_at(operation_, path(), what); }

  bool is_null() {
    od::json_type type;
    if (value_.type().get(type)) fail("not valid JSON");
    return type == od::json_type::null;
  }
  std::string string() {
    std::string_view s;
    if (value_.get_string().get(s)) fail("expected a string");
    return std::string(s);
  }
  std::int64_t int64() {
    std::int64_t n = 0;
    if (value_.get_int64().get(n)) fail("expected an integer");
    return n;
  }
  double number() {
    double d = 0;
    if (value_.get_double().get(d)) fail("expected a number");
    return d;
  }
  bool boolean() {
    bool b = false;
    if (value_.get_bool().get(b)) fail("expected true or false");
    return b;
  }
  TimePoint time() {
    const double seconds = number();
    if (!std::isfinite(seconds) || std::fabs(seconds) > 1e11) fail("timestamp out of range");
    const auto micros =
        std::chrono::round<std::chrono::microseconds>(std::chrono::duration<double>(seconds));
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(micros));
  }
  // The item layer's strict parser reads the member's raw text, so items are decoded exactly
  // as everywhere else in ddbcrypt.
  Item item() {
    od::object object;
    std::string_view raw;
    if (value_.get_object().get(object) || object.raw_json().get(raw)) {
      fail("expected an item (an object of attribute values)");
    }
    try {
      return parse_item_json(raw);
    } catch (const FormatError& e) {
      fail(e.what());
    }
  }

  // Calls f(key, Node) for each member whose value is not null.
  template <class F>
  void members(F&& f) {
    od::object object;
    if (value_.get_object().get(object)) fail("expected an object");
    for (auto field_result : object) {
      od::field field;
      std::string_view key;
      if (std::move(field_result).get(field) || field.unescaped_key().get(key)) fail("not valid JSON");
      Node child(field.value(), operation_, this, key, 0);
      if (child.is_null()) continue;
      f(key, child);
    }
  }
  // Calls f(Node) for each element.
  template <class F>
  void elements(F&& f) {
    od::array array;
    if (value_.get_array().get(array)) fail("expected an array");
    std::size_t i = 0;
    for (auto element_result : array) {
      od::value element;
      if (std::move(element_result).get(element)) fail("not valid JSON");
      Node child(element, operation_, this, std::string_view(), i++);
      f(child);
    }
  }

  std::vector<std::string> strings() {
    std::vector<std::string> out;
    elements([&](Node& n) { out.push_back(n.string()); });
    return out;
  }
  std::vector<Item> items() {
    std::vector<Item> out;
    elements([&](Node& n) { out.push_back(n.item()); });
    return out;
  }
  template <class Enum, std::size_t N>
  Enum enumerated(const std::array<std::string_view, N>& names) {
    const std::string text = string();
    for (std::size_t i = 0; i < N; ++i) {
      if (names[i] == text) return static_cast<Enum>(i);
    }
    fail("unknown enum value");
  }

 private:
  od::value value_;
  std::string_view operation_;
  const Node* parent_;
  std::string_view key_;
  std::size_t index_;
};

od::parser& thread_parser() {
  thread_local od::parser parser;
  return parser;
}

// Parses `body` and calls f(key, Node) for each top-level member.
template <class F>
void decode_members(std::string_view body, std::string_view operation, F&& f) {
  const simdjson::padded_string padded(body);
  od::document doc;
  if (thread_parser().iterate(padded).get(doc)) fail_at(operation, "$", "not valid JSON");
  od::value root;
  if (doc.get_value().get(root)) fail_at(operation, "$", "not valid JSON");
  Node node(root, operation, nullptr, std::string_view(), 0);
  node.members(std::forward<F>(f));
}

Capacity decode_capacity(Node& n) {
  Capacity c;
  n.members([&](std::string_view key, Node& v) {
    if (key == "ReadCapacityUnits") c.read_capacity_units = v.number();
    else if (key == "WriteCapacityUnits") c.write_capacity_units = v.number();
    else if (key == "CapacityUnits") c.capacity_units = v.number();
  });
  return c;
}
std::map<std::string, Capacity> decode_capacity_map(Node& n) {
  std::map<std::string, Capacity> out;
  n.members([&](std::string_view key, Node& v) { out.emplace(key, decode_capacity(v)); });
  return out;
}
ConsumedCapacity decode_consumed_capacity(Node& n) {
  ConsumedCapacity c;
  n.members([&](std::string_view key, Node& v) {
    if (key == "TableName") c.table_name = v.string();
    else if (key == "CapacityUnits") c.capacity_units = v.number();
    else if (key == "ReadCapacityUnits") c.read_capacity_units = v.number();
    else if (key == "WriteCapacityUnits") c.write_capacity_units = v.number();
    else if (key == "Table") c.table = decode_capacity(v);
    else if (key == "LocalSecondaryIndexes") c.local_secondary_indexes = decode_capacity_map(v);
    else if (key == "GlobalSecondaryIndexes") c.global_secondary_indexes = decode_capacity_map(v);
  });
  return c;
}
std::vector<ConsumedCapacity> decode_consumed_capacity_list(Node& n) {
  std::vector<ConsumedCapacity> out;
  n.elements([&](Node& e) { out.push_back(decode_consumed_capacity(e)); });
  return out;
}
ItemCollectionMetrics decode_item_collection_metrics(Node& n) {
  ItemCollectionMetrics m;
  n.members([&](std::string_view key, Node& v) {
    if (key == "ItemCollectionKey") m.item_collection_key = v.item();
    else if (key == "SizeEstimateRangeGB") {
      v.elements([&](Node& e) { m.size_estimate_range_gb.push_back(e.number()); });
    }
  });
  return m;
}
std::map<std::string, std::vector<ItemCollectionMetrics>> decode_item_collection_metrics_map(
    Node& n) {
  std::map<std::string, std::vector<ItemCollectionMetrics>> out;
  n.members([&](std::string_view table, Node& list) {
    auto& metrics = out[std::string(table)];
    list.elements([&](Node& e) { metrics.push_back(decode_item_collection_metrics(e)); });
  });
  return out;
}
ExpressionAttributeNames decode_names(Node& n) {
  ExpressionAttributeNames out;
  n.members([&](std::string_view key, Node& v) { out.emplace(key, v.string()); });
  return out;
}
KeysAndAttributes decode_keys_and_attributes(Node& n) {
  KeysAndAttributes k;
  n.members([&](std::string_view key, Node& v) {
    if (key == "Keys") k.keys = v.items();
    else if (key == "AttributesToGet") k.attributes_to_get = v.strings();
    else if (key == "ConsistentRead") k.consistent_read = v.boolean();
    else if (key == "ProjectionExpression") k.projection_expression = v.string();
    else if (key == "ExpressionAttributeNames") k.expression_attribute_names = decode_names(v);
  });
  return k;
}
WriteRequest decode_write_request(Node& n) {
  std::optional<WriteRequest> out;
  n.members([&](std::string_view key, Node& v) {
    if (key == "PutRequest") {
      PutRequest put;
      v.members([&](std::string_view k, Node& x) {
        if (k == "Item") put.item = x.item();
      });
      out = std::move(put);
    } else if (key == "DeleteRequest") {
      DeleteRequest del;
      v.members([&](std::string_view k, Node& x) {
        if (k == "Key") del.key = x.item();
      });
      out = std::move(del);
    }
  });
  if (!out) n.fail("expected a PutRequest or a DeleteRequest");
  return std::move(*out);
}

std::vector<KeySchemaElement> decode_key_schema(Node& n) {
  std::vector<KeySchemaElement> out;
  n.elements([&](Node& e) {
    KeySchemaElement k;
    e.members([&](std::string_view key, Node& v) {
      if (key == "AttributeName") k.attribute_name = v.string();
      else if (key == "KeyType") k.key_type = v.enumerated<KeyType>(kKeyTypeNames);
    });
    out.push_back(std::move(k));
  });
  return out;
}
Projection decode_projection(Node& n) {
  Projection p;
  n.members([&](std::string_view key, Node& v) {
    if (key == "ProjectionType") {
      p.projection_type = v.enumerated<ProjectionType>(kProjectionTypeNames);
    } else if (key == "NonKeyAttributes") {
      p.non_key_attributes = v.strings();
    }
  });
  return p;
}
ProvisionedThroughputDescription decode_throughput_description(Node& n) {
  ProvisionedThroughputDescription t;
  n.members([&](std::string_view key, Node& v) {
    if (key == "LastIncreaseDateTime") t.last_increase_date_time = v.time();
    else if (key == "LastDecreaseDateTime") t.last_decrease_date_time = v.time();
    else if (key == "NumberOfDecreasesToday") t.number_of_decreases_today = v.int64();
    else if (key == "ReadCapacityUnits") t.read_capacity_units = v.int64();
    else if (key == "WriteCapacityUnits") t.write_capacity_units = v.int64();
  });
  return t;
}
OnDemandThroughput decode_on_demand_throughput(Node& n) {
  OnDemandThroughput t;
  n.members([&](std::string_view key, Node& v) {
    if (key == "MaxReadRequestUnits") t.max_read_request_units = v.int64();
    else if (key == "MaxWriteRequestUnits") t.max_write_request_units = v.int64();
  });
  return t;
}

TableDescription decode_table_description(Node& n) {
  TableDescription t;
  n.members([&](std::string_view key, Node& v) {
    if (key == "TableName") {
      t.table_name = v.string();
    } else if (key == "TableArn") {
      t.table_arn = v.string();
    } else if (key == "TableId") {
      t.table_id = v.string();
    } else if (key == "TableStatus") {
      t.table_status = v.string();
    } else if (key == "AttributeDefinitions") {
      v.elements([&](Node& e) {
        AttributeDefinition d;
        e.members([&](std::string_view k, Node& x) {
          if (k == "AttributeName") d.attribute_name = x.string();
          else if (k == "AttributeType") {
            d.attribute_type = x.enumerated<ScalarAttributeType>(kScalarAttributeTypeNames);
          }
        });
        t.attribute_definitions.push_back(std::move(d));
      });
    } else if (key == "KeySchema") {
      t.key_schema = decode_key_schema(v);
    } else if (key == "CreationDateTime") {
      t.creation_date_time = v.time();
    } else if (key == "ItemCount") {
      t.item_count = v.int64();
    } else if (key == "TableSizeBytes") {
      t.table_size_bytes = v.int64();
    } else if (key == "ProvisionedThroughput") {
      t.provisioned_throughput = decode_throughput_description(v);
    } else if (key == "BillingModeSummary") {
      BillingModeSummary b;
      v.members([&](std::string_view k, Node& x) {
        if (k == "BillingMode") b.billing_mode = x.enumerated<BillingMode>(kBillingModeNames);
        else if (k == "LastUpdateToPayPerRequestDateTime") {
          b.last_update_to_pay_per_request_date_time = x.time();
        }
      });
      t.billing_mode_summary = b;
    } else if (key == "GlobalSecondaryIndexes") {
      v.elements([&](Node& e) {
        GlobalSecondaryIndexDescription g;
        e.members([&](std::string_view k, Node& x) {
          if (k == "IndexName") g.index_name = x.string();
          else if (k == "KeySchema") g.key_schema = decode_key_schema(x);
          else if (k == "Projection") g.projection = decode_projection(x);
          else if (k == "IndexStatus") g.index_status = x.string();
          else if (k == "Backfilling") g.backfilling = x.boolean();
          else if (k == "ProvisionedThroughput") {
            g.provisioned_throughput = decode_throughput_description(x);
          } else if (k == "IndexSizeBytes") g.index_size_bytes = x.int64();
          else if (k == "ItemCount") g.item_count = x.int64();
          else if (k == "IndexArn") g.index_arn = x.string();
          else if (k == "OnDemandThroughput") g.on_demand_throughput = decode_on_demand_throughput(x);
        });
        t.global_secondary_indexes.push_back(std::move(g));
      });
    } else if (key == "LocalSecondaryIndexes") {
      v.elements([&](Node& e) {
        LocalSecondaryIndexDescription l;
        e.members([&](std::string_view k, Node& x) {
          if (k == "IndexName") l.index_name = x.string();
          else if (k == "KeySchema") l.key_schema = decode_key_schema(x);
          else if (k == "Projection") l.projection = decode_projection(x);
          else if (k == "IndexSizeBytes") l.index_size_bytes = x.int64();
          else if (k == "ItemCount") l.item_count = x.int64();
          else if (k == "IndexArn") l.index_arn = x.string();
        });
        t.local_secondary_indexes.push_back(std::move(l));
      });
    } else if (key == "StreamSpecification") {
      StreamSpecification s;
      v.members([&](std::string_view k, Node& x) {
        if (k == "StreamEnabled") s.stream_enabled = x.boolean();
        else if (k == "StreamViewType") {
          s.stream_view_type = x.enumerated<StreamViewType>(kStreamViewTypeNames);
        }
      });
      t.stream_specification = s;
    } else if (key == "LatestStreamArn") {
      t.latest_stream_arn = v.string();
    } else if (key == "LatestStreamLabel") {
      t.latest_stream_label = v.string();
    } else if (key == "SSEDescription") {
      SseDescription s;
      v.members([&](std::string_view k, Node& x) {
        if (k == "Status") s.status = x.string();
        else if (k == "SSEType") s.sse_type = x.string();
        else if (k == "KMSMasterKeyArn") s.kms_master_key_arn = x.string();
      });
      t.sse_description = std::move(s);
    } else if (key == "TableClassSummary") {
      v.members([&](std::string_view k, Node& x) {
        if (k == "TableClass") t.table_class = x.string();
      });
    } else if (key == "DeletionProtectionEnabled") {
      t.deletion_protection_enabled = v.boolean();
    } else if (key == "OnDemandThroughput") {
      t.on_demand_throughput = decode_on_demand_throughput(v);
    }
  });
  return t;
}

// Query and Scan pages share their shape.
template <class Page>
Page decode_page(std::string_view body, std::string_view operation) {
  Page page;
  decode_members(body, operation, [&](std::string_view key, Node& v) {
    if (key == "Items") page.items = v.items();
    else if (key == "Count") page.count = v.int64();
    else if (key == "ScannedCount") page.scanned_count = v.int64();
    else if (key == "LastEvaluatedKey") page.last_evaluated_key = v.item();
    else if (key == "ConsumedCapacity") page.consumed_capacity = decode_consumed_capacity(v);
  });
  return page;
}

// PutItem, DeleteItem and UpdateItem results share their shape.
template <class Result>
Result decode_write_result(std::string_view body, std::string_view operation) {
  Result r;
  decode_members(body, operation, [&](std::string_view key, Node& v) {
    if (key == "Attributes") r.attributes = v.item();
    else if (key == "ConsumedCapacity") r.consumed_capacity = decode_consumed_capacity(v);
    else if (key == "ItemCollectionMetrics") {
      r.item_collection_metrics = decode_item_collection_metrics(v);
    }
  });
  return r;
}

TableDescription decode_table_member(std::string_view body, std::string_view operation,
                                     std::string_view member) {
  std::optional<TableDescription> table;
  decode_members(body, operation, [&](std::string_view key, Node& v) {
    if (key == member) table = decode_table_description(v);
  });
  if (!table) fail_at(operation, "$", "missing " + std::string(member));
  return std::move(*table);
}

}  // namespace

// ----- Encoders -------------------------------------------------------------------------------

std::string encode_request(const GetItemRequest& r) {
  JsonWriter w;
  w.begin_object();
  put(w, "TableName", r.table_name);
  put_item(w, "Key", r.key);
  put(w, "AttributesToGet", r.attributes_to_get);
  put(w, "ConsistentRead", r.consistent_read);
  put(w, "ReturnConsumedCapacity", r.return_consumed_capacity);
  put(w, "ProjectionExpression", r.projection_expression);
  put(w, "ExpressionAttributeNames", r.expression_attribute_names);
  w.end_object();
  return std::move(w).take();
}

std::string encode_request(const PutItemRequest& r) {
  JsonWriter w;
  w.begin_object();
  put(w, "TableName", r.table_name);
  put_item(w, "Item", r.item);
  put(w, "Expected", r.expected);
  put(w, "ReturnValues", r.return_values);
  put(w, "ReturnConsumedCapacity", r.return_consumed_capacity);
  put(w, "ReturnItemCollectionMetrics", r.return_item_collection_metrics);
  put(w, "ConditionalOperator", r.conditional_operator);
  put(w, "ConditionExpression", r.condition_expression);
  put(w, "ExpressionAttributeNames", r.expression_attribute_names);
  put_values(w, "ExpressionAttributeValues", r.expression_attribute_values);
  put(w, "ReturnValuesOnConditionCheckFailure", r.return_values_on_condition_check_failure);
  w.end_object();
  return std::move(w).take();
}

std::string encode_request(const DeleteItemRequest& r) {
  JsonWriter w;
  w.begin_object();
  put(w, "TableName", r.table_name);
  put_item(w, "Key", r.key);
  put(w, "Expected", r.expected);
  put(w, "ConditionalOperator", r.conditional_operator);
  put(w, "ReturnValues", r.return_values);
  put(w, "ReturnConsumedCapacity", r.return_consumed_capacity);
  put(w, "ReturnItemCollectionMetrics", r.return_item_collection_metrics);
  put(w, "ConditionExpression", r.condition_expression);
  put(w, "ExpressionAttributeNames", r.expression_attribute_names);
  put_values(w, "ExpressionAttributeValues", r.expression_attribute_values);
  put(w, "ReturnValuesOnConditionCheckFailure", r.return_values_on_condition_check_failure);
  w.end_object();
  return std::move(w).take();
}

std::string encode_request(const UpdateItemRequest& r) {
  JsonWriter w;
  w.begin_object();
  put(w, "TableName", r.table_name);
  put_item(w, "Key", r.key);
  put(w, "AttributeUpdates", r.attribute_updates);
  put(w, "Expected", r.expected);
  put(w, "ConditionalOperator", r.conditional_operator);
  put(w, "ReturnValues", r.return_values);
  put(w, "ReturnConsumedCapacity", r.return_consumed_capacity);
  put(w, "ReturnItemCollectionMetrics", r.return_item_collection_metrics);
  put(w, "UpdateExpression", r.update_expression);
  put(w, "ConditionExpression", r.condition_expression);
  put(w, "ExpressionAttributeNames", r.expression_attribute_names);
  put_values(w, "ExpressionAttributeValues", r.expression_attribute_values);
  put(w, "ReturnValuesOnConditionCheckFailure", r.return_values_on_condition_check_failure);
  w.end_object();
  return std::move(w).take();
}

std::string encode_request(const QueryRequest& r) {
  JsonWriter w;
  w.begin_object();
  put(w, "TableName", r.table_name);
  put(w, "IndexName", r.index_name);
  put(w, "Select", r.select);
  put(w, "AttributesToGet", r.attributes_to_get);
  put(w, "Limit", r.limit);
  put(w, "ConsistentRead", r.consistent_read);
  put(w, "KeyConditions", r.key_conditions);
  put(w, "QueryFilter", r.query_filter);
  put(w, "ConditionalOperator", r.conditional_operator);
  put(w, "ScanIndexForward", r.scan_index_forward);
  put(w, "ExclusiveStartKey", r.exclusive_start_key);
  put(w, "ReturnConsumedCapacity", r.return_consumed_capacity);
  put(w, "ProjectionExpression", r.projection_expression);
  put(w, "FilterExpression", r.filter_expression);
  put(w, "KeyConditionExpression", r.key_condition_expression);
  put(w, "ExpressionAttributeNames", r.expression_attribute_names);
  put_values(w, "ExpressionAttributeValues", r.expression_attribute_values);
  w.end_object();
  return std::move(w).take();
}

std::string encode_request(const ScanRequest& r) {
  JsonWriter w;
  w.begin_object();
  put(w, "TableName", r.table_name);
  put(w, "IndexName", r.index_name);
  put(w, "AttributesToGet", r.attributes_to_get);
  put(w, "Limit", r.limit);
  put(w, "Select", r.select);
  put(w, "ScanFilter", r.scan_filter);
  put(w, "ConditionalOperator", r.conditional_operator);
  put(w, "ExclusiveStartKey", r.exclusive_start_key);
  put(w, "ReturnConsumedCapacity", r.return_consumed_capacity);
  put(w, "TotalSegments", r.total_segments);
  put(w, "Segment", r.segment);
  put(w, "ProjectionExpression", r.projection_expression);
  put(w, "FilterExpression", r.filter_expression);
  put(w, "ExpressionAttributeNames", r.expression_attribute_names);
  put_values(w, "ExpressionAttributeValues", r.expression_attribute_values);
  put(w, "ConsistentRead", r.consistent_read);
  w.end_object();
  return std::move(w).take();
}

std::string encode_request(const BatchGetItemRequest& r) {
  JsonWriter w;
  w.begin_object();
  w.key("RequestItems");
  w.begin_object();
  for (const auto& [table, keys] : r.request_items) {
    w.key(table);
    put_keys_and_attributes(w, keys);
  }
  w.end_object();
  put(w, "ReturnConsumedCapacity", r.return_consumed_capacity);
  w.end_object();
  return std::move(w).take();
}

std::string encode_request(const BatchWriteItemRequest& r) {
  JsonWriter w;
  w.begin_object();
  w.key("RequestItems");
  w.begin_object();
  for (const auto& [table, writes] : r.request_items) {
    w.key(table);
    w.begin_array();
    for (const WriteRequest& write : writes) {
      w.begin_object();
      if (const auto* p = std::get_if<PutRequest>(&write)) {
        w.key("PutRequest");
        w.begin_object();
        put_item(w, "Item", p->item);
        w.end_object();
      } else {
        w.key("DeleteRequest");
        w.begin_object();
        put_item(w, "Key", std::get<DeleteRequest>(write).key);
        w.end_object();
      }
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
  put(w, "ReturnConsumedCapacity", r.return_consumed_capacity);
  put(w, "ReturnItemCollectionMetrics", r.return_item_collection_metrics);
  w.end_object();
  return std::move(w).take();
}

std::string encode_request(const TransactGetItemsRequest& r) {
  JsonWriter w;
  w.begin_object();
  w.key("TransactItems");
  w.begin_array();
  for (const TransactGet& get : r.transact_items) {
    w.begin_object();
    w.key("Get");
    w.begin_object();
    put_item(w, "Key", get.key);
    put(w, "TableName", get.table_name);
    put(w, "ProjectionExpression", get.projection_expression);
    put(w, "ExpressionAttributeNames", get.expression_attribute_names);
    w.end_object();
    w.end_object();
  }
  w.end_array();
  put(w, "ReturnConsumedCapacity", r.return_consumed_capacity);
  w.end_object();
  return std::move(w).take();
}

std::string encode_request(const TransactWriteItemsRequest& r) {
  return encode_request(r, std::string_view());
}

std::string encode_request(const TransactWriteItemsRequest& r, std::string_view default_token) {
  JsonWriter w;
  w.begin_object();
  w.key("TransactItems");
  w.begin_array();
  for (const TransactWriteItem& action : r.transact_items) {
    w.begin_object();
    if (const auto* check = std::get_if<TransactConditionCheck>(&action)) {
      w.key("ConditionCheck");
      w.begin_object();
      put_item(w, "Key", check->key);
      put(w, "TableName", check->table_name);
      put(w, "ConditionExpression", check->condition_expression);
      put(w, "ExpressionAttributeNames", check->expression_attribute_names);
      put_values(w, "ExpressionAttributeValues", check->expression_attribute_values);
      put(w, "ReturnValuesOnConditionCheckFailure",
          check->return_values_on_condition_check_failure);
      w.end_object();
    } else if (const auto* p = std::get_if<TransactPut>(&action)) {
      w.key("Put");
      w.begin_object();
      put_item(w, "Item", p->item);
      put(w, "TableName", p->table_name);
      put_transact_common(w, *p);
      w.end_object();
    } else if (const auto* d = std::get_if<TransactDelete>(&action)) {
      w.key("Delete");
      w.begin_object();
      put_item(w, "Key", d->key);
      put(w, "TableName", d->table_name);
      put_transact_common(w, *d);
      w.end_object();
    } else {
      const auto& u = std::get<TransactUpdate>(action);
      w.key("Update");
      w.begin_object();
      put_item(w, "Key", u.key);
      put(w, "UpdateExpression", u.update_expression);
      put(w, "TableName", u.table_name);
      put_transact_common(w, u);
      w.end_object();
    }
    w.end_object();
  }
  w.end_array();
  put(w, "ReturnConsumedCapacity", r.return_consumed_capacity);
  put(w, "ReturnItemCollectionMetrics", r.return_item_collection_metrics);
  if (r.client_request_token) {
    put(w, "ClientRequestToken", *r.client_request_token);
  } else if (!default_token.empty()) {
    w.key("ClientRequestToken");
    w.string(default_token);
  }
  w.end_object();
  return std::move(w).take();
}

std::string encode_request(const CreateTableRequest& r) {
  JsonWriter w;
  w.begin_object();
  w.key("AttributeDefinitions");
  w.begin_array();
  for (const AttributeDefinition& d : r.attribute_definitions) {
    w.begin_object();
    put(w, "AttributeName", d.attribute_name);
    put(w, "AttributeType", std::optional(d.attribute_type));
    w.end_object();
  }
  w.end_array();
  put(w, "TableName", r.table_name);
  put_key_schema(w, r.key_schema);
  if (!r.local_secondary_indexes.empty()) {
    w.key("LocalSecondaryIndexes");
    w.begin_array();
    for (const LocalSecondaryIndex& index : r.local_secondary_indexes) {
      w.begin_object();
      put(w, "IndexName", index.index_name);
      put_key_schema(w, index.key_schema);
      put_projection(w, index.projection);
      w.end_object();
    }
    w.end_array();
  }
  if (!r.global_secondary_indexes.empty()) {
    w.key("GlobalSecondaryIndexes");
    w.begin_array();
    for (const GlobalSecondaryIndex& index : r.global_secondary_indexes) {
      w.begin_object();
      put(w, "IndexName", index.index_name);
      put_key_schema(w, index.key_schema);
      put_projection(w, index.projection);
      put(w, "ProvisionedThroughput", index.provisioned_throughput);
      put(w, "OnDemandThroughput", index.on_demand_throughput);
      put(w, "WarmThroughput", index.warm_throughput);
      w.end_object();
    }
    w.end_array();
  }
  put(w, "BillingMode", r.billing_mode);
  put(w, "ProvisionedThroughput", r.provisioned_throughput);
  if (r.stream_specification) {
    w.key("StreamSpecification");
    w.begin_object();
    put(w, "StreamEnabled", std::optional(r.stream_specification->stream_enabled));
    put(w, "StreamViewType", r.stream_specification->stream_view_type);
    w.end_object();
  }
  if (r.sse_specification) {
    w.key("SSESpecification");
    w.begin_object();
    put(w, "Enabled", r.sse_specification->enabled);
    put(w, "SSEType", r.sse_specification->sse_type);
    put(w, "KMSMasterKeyId", r.sse_specification->kms_master_key_id);
    w.end_object();
  }
  if (!r.tags.empty()) {
    w.key("Tags");
    w.begin_array();
    for (const Tag& tag : r.tags) {
      w.begin_object();
      put(w, "Key", tag.key);
      put(w, "Value", tag.value);
      w.end_object();
    }
    w.end_array();
  }
  put(w, "TableClass", r.table_class);
  put(w, "DeletionProtectionEnabled", r.deletion_protection_enabled);
  put(w, "WarmThroughput", r.warm_throughput);
  put(w, "ResourcePolicy", r.resource_policy);
  put(w, "OnDemandThroughput", r.on_demand_throughput);
  w.end_object();
  return std::move(w).take();
}

std::string encode_request(const DescribeTableRequest& r) {
  JsonWriter w;
  w.begin_object();
  put(w, "TableName", r.table_name);
  w.end_object();
  return std::move(w).take();
}

std::string encode_request(const DeleteTableRequest& r) {
  JsonWriter w;
  w.begin_object();
  put(w, "TableName", r.table_name);
  w.end_object();
  return std::move(w).take();
}

std::string encode_request(const ListTablesRequest& r) {
  JsonWriter w;
  w.begin_object();
  put(w, "ExclusiveStartTableName", r.exclusive_start_table_name);
  put(w, "Limit", r.limit);
  w.end_object();
  return std::move(w).take();
}

// ----- Decoders -------------------------------------------------------------------------------

template <>
GetItemResult decode_result<GetItemResult>(std::string_view body) {
  GetItemResult r;
  decode_members(body, "GetItem", [&](std::string_view key, Node& v) {
    if (key == "Item") r.item = v.item();
    else if (key == "ConsumedCapacity") r.consumed_capacity = decode_consumed_capacity(v);
  });
  return r;
}

template <>
PutItemResult decode_result<PutItemResult>(std::string_view body) {
  return decode_write_result<PutItemResult>(body, "PutItem");
}

template <>
DeleteItemResult decode_result<DeleteItemResult>(std::string_view body) {
  return decode_write_result<DeleteItemResult>(body, "DeleteItem");
}

template <>
UpdateItemResult decode_result<UpdateItemResult>(std::string_view body) {
  return decode_write_result<UpdateItemResult>(body, "UpdateItem");
}

template <>
QueryResult decode_result<QueryResult>(std::string_view body) {
  return decode_page<QueryResult>(body, "Query");
}

template <>
ScanResult decode_result<ScanResult>(std::string_view body) {
  return decode_page<ScanResult>(body, "Scan");
}

template <>
BatchGetItemResult decode_result<BatchGetItemResult>(std::string_view body) {
  BatchGetItemResult r;
  decode_members(body, "BatchGetItem", [&](std::string_view key, Node& v) {
    if (key == "Responses") {
      v.members([&](std::string_view table, Node& items) {
        r.responses.emplace(table, items.items());
      });
    } else if (key == "UnprocessedKeys") {
      v.members([&](std::string_view table, Node& keys) {
        r.unprocessed_keys.emplace(table, decode_keys_and_attributes(keys));
      });
    } else if (key == "ConsumedCapacity") {
      r.consumed_capacity = decode_consumed_capacity_list(v);
    }
  });
  return r;
}

template <>
BatchWriteItemResult decode_result<BatchWriteItemResult>(std::string_view body) {
  BatchWriteItemResult r;
  decode_members(body, "BatchWriteItem", [&](std::string_view key, Node& v) {
    if (key == "UnprocessedItems") {
      v.members([&](std::string_view table, Node& writes) {
        auto& list = r.unprocessed_items[std::string(table)];
        writes.elements([&](Node& e) { list.push_back(decode_write_request(e)); });
      });
    } else if (key == "ItemCollectionMetrics") {
      r.item_collection_metrics = decode_item_collection_metrics_map(v);
    } else if (key == "ConsumedCapacity") {
      r.consumed_capacity = decode_consumed_capacity_list(v);
    }
  });
  return r;
}

template <>
TransactGetItemsResult decode_result<TransactGetItemsResult>(std::string_view body) {
  TransactGetItemsResult r;
  decode_members(body, "TransactGetItems", [&](std::string_view key, Node& v) {
    if (key == "Responses") {
      v.elements([&](Node& e) {
        std::optional<Item> item;
        if (!e.is_null()) {
          e.members([&](std::string_view k, Node& x) {
            if (k == "Item") item = x.item();
          });
        }
        r.responses.push_back(std::move(item));
      });
    } else if (key == "ConsumedCapacity") {
      r.consumed_capacity = decode_consumed_capacity_list(v);
    }
  });
  return r;
}

template <>
TransactWriteItemsResult decode_result<TransactWriteItemsResult>(std::string_view body) {
  TransactWriteItemsResult r;
  decode_members(body, "TransactWriteItems", [&](std::string_view key, Node& v) {
    if (key == "ConsumedCapacity") r.consumed_capacity = decode_consumed_capacity_list(v);
    else if (key == "ItemCollectionMetrics") {
      r.item_collection_metrics = decode_item_collection_metrics_map(v);
    }
  });
  return r;
}

template <>
CreateTableResult decode_result<CreateTableResult>(std::string_view body) {
  return {decode_table_member(body, "CreateTable", "TableDescription")};
}

template <>
DescribeTableResult decode_result<DescribeTableResult>(std::string_view body) {
  return {decode_table_member(body, "DescribeTable", "Table")};
}

template <>
DeleteTableResult decode_result<DeleteTableResult>(std::string_view body) {
  return {decode_table_member(body, "DeleteTable", "TableDescription")};
}

template <>
ListTablesResult decode_result<ListTablesResult>(std::string_view body) {
  ListTablesResult r;
  decode_members(body, "ListTables", [&](std::string_view key, Node& v) {
    if (key == "TableNames") r.table_names = v.strings();
    else if (key == "LastEvaluatedTableName") r.last_evaluated_table_name = v.string();
  });
  return r;
}

DynamoDbErrorDetails decode_error_details(std::string_view body) {
  DynamoDbErrorDetails details;
  // A malformed member stops decoding (the On-Demand iterator cannot resume after it); the
  // members decoded before it are kept.
  try {
    decode_members(body, "error", [&](std::string_view key, Node& v) {
      if (key == "CancellationReasons") {
        // Assigned only when complete: a partial list would misalign reasons and actions.
        std::vector<CancellationReason> reasons;
        v.elements([&](Node& e) {
          CancellationReason reason;
          if (!e.is_null()) {
            e.members([&](std::string_view k, Node& x) {
              if (k == "Code") reason.code = x.string();
              else if (k == "Message") reason.message = x.string();
              else if (k == "Item") reason.item = x.item();
            });
          }
          reasons.push_back(std::move(reason));
        });
        details.cancellation_reasons = std::move(reasons);
      } else if (key == "Item") {
        details.item = v.item();
      } else if (key == "ThrottlingReasons" || key == "throttlingReasons") {
        std::vector<ThrottlingReason> reasons;
        v.elements([&](Node& e) {
          ThrottlingReason reason;
          e.members([&](std::string_view k, Node& x) {
            if (k == "reason") reason.reason = x.string();
            else if (k == "resource") reason.resource = x.string();
          });
          reasons.push_back(std::move(reason));
        });
        details.throttling_reasons = std::move(reasons);
      }
    });
  } catch (const FormatError&) {
  }
  return details;
}

}  // namespace ddbcrypt::internal
