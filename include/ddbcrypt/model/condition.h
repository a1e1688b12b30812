// Conditions: a small builder for DynamoDB condition, filter and key-condition expressions.
//
// A Condition is an immutable expression tree over attribute paths and values. Repository
// operations render it into the request with placeholders for every name and value
// ("#n0 = :v0"), so reserved words and odd characters in names need no care, and values are
// never spliced into the expression text.
//
// Example:
//   using model::attr;
//   model::Condition c = attr("status") == "active" && attr("age").between(18, 65) &&
//                        !attr("deleted_at").exists();
//   users.save(user, {.condition = attr("pk").not_exists()});
//   auto page = users.query(attr("pk") == "user#1" && attr("sk").begins_with("order#"));
//
// Operands are converted as members are (attribute_codec.h): strings → S, numbers → N,
// bool → BOOL, Bytes → B, time points → ISO 8601 S, AttributeValue as it is.
//
// An encrypted field holds randomized ciphertext, so a condition that compares it with a
// value could never match as intended; repositories reject such conditions with ConfigError.
// exists() / not_exists() on an encrypted field are allowed.
//
// Thread-safety: a value type (shared immutable nodes); copies may be used from any thread.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "ddbcrypt/item/attribute_value.h"
#include "ddbcrypt/model/attribute_codec.h"

namespace ddbcrypt::model {

// A path to an attribute or to an element inside one: attr("address").member("city"),
// attr("tags").index(0).
class AttributePath {
 public:
  // One step: a name (map member or top-level attribute) or a list index.
  using Step = std::variant<std::string, std::size_t>;

  explicit AttributePath(std::string top_level_name) { steps_.emplace_back(std::move(top_level_name)); }
  const std::string& top_level_name() const { return std::get<std::string>(steps_.front()); }
  const std::vector<Step>& steps() const noexcept { return steps_; }

 protected:
  std::vector<Step> steps_;
};

class Condition;

// The placeholders a rendered expression refers to; shared by every expression of one request
// so that their names never collide.
class ExpressionAttributes {
 public:
  // "#n<k>" for `name`, reusing the placeholder of a name seen before.
  std::string name(const std::string& name);
  // A new ":v<k>" bound to `value`.
  std::string value(AttributeValue value);
  std::string path(const AttributePath& path);

  const std::map<std::string, std::string>& names() const noexcept { return names_; }
  const std::map<std::string, AttributeValue>& values() const noexcept { return values_; }
  std::map<std::string, std::string> take_names() { return std::move(names_); }
  std::map<std::string, AttributeValue> take_values() { return std::move(values_); }

 private:
  std::map<std::string, std::string> names_;   // placeholder → name
  std::map<std::string, std::string> by_name_;  // name → placeholder
  std::map<std::string, AttributeValue> values_;
};

// A boolean expression. Build one from attr(...); combine with &&, || and !.
class Condition {
 public:
  // Renders the expression, adding its placeholders to `attributes`.
  [[nodiscard]] std::string render(ExpressionAttributes& attributes) const;

  // Top-level attribute names this condition compares with a value (all operators except
  // exists / not_exists), so that callers can refuse comparisons on encrypted fields.
  [[nodiscard]] std::vector<std::string> compared_attributes() const;

  friend Condition operator&&(Condition a, Condition b);
  friend Condition operator||(Condition a, Condition b);
  friend Condition operator!(Condition a);

  struct Node;  // defined in src/model/condition.cc
  explicit Condition(std::shared_ptr<const Node> node) : node_(std::move(node)) {}

 private:
  std::shared_ptr<const Node> node_;
};

// Builds conditions on one attribute path.
class Attr : public AttributePath {
 public:
  explicit Attr(std::string name) : AttributePath(std::move(name)) {}

  [[nodiscard]] Attr member(std::string name) const {
    Attr a = *this;
    a.steps_.emplace_back(std::move(name));
    return a;
  }
  [[nodiscard]] Attr index(std::size_t i) const {
    Attr a = *this;
    a.steps_.emplace_back(i);
    return a;
  }

  [[nodiscard]] Condition exists() const;      // attribute_exists(path)
  [[nodiscard]] Condition not_exists() const;  // attribute_not_exists(path)

  template <class V>
  [[nodiscard]] Condition begins_with(const V& prefix) const {
    return function("begins_with", condition_operand(prefix));
  }
  // For a string, substring; for a set, membership; for a list, an element.
  template <class V>
  [[nodiscard]] Condition contains(const V& operand) const {
    return function("contains", condition_operand(operand));
  }
  template <class A, class B>
  [[nodiscard]] Condition between(const A& low, const B& high) const {
    return between_values(condition_operand(low), condition_operand(high));
  }
  template <class V>
  [[nodiscard]] Condition in(std::initializer_list<V> candidates) const {
    std::vector<AttributeValue> values;
    for (const V& v : candidates) values.push_back(condition_operand(v));
    return in_values(std::move(values));
  }

  template <class V>
  friend Condition operator==(const Attr& a, const V& v) { return a.compare("=", condition_operand(v)); }
  template <class V>
  friend Condition operator!=(const Attr& a, const V& v) { return a.compare("<>", condition_operand(v)); }
  template <class V>
  friend Condition operator<(const Attr& a, const V& v) { return a.compare("<", condition_operand(v)); }
  template <class V>
  friend Condition operator<=(const Attr& a, const V& v) { return a.compare("<=", condition_operand(v)); }
  template <class V>
  friend Condition operator>(const Attr& a, const V& v) { return a.compare(">", condition_operand(v)); }
  template <class V>
  friend Condition operator>=(const Attr& a, const V& v) { return a.compare(">=", condition_operand(v)); }

 private:
  Condition compare(const char* op, AttributeValue value) const;
  Condition function(const char* name, AttributeValue value) const;
  Condition between_values(AttributeValue low, AttributeValue high) const;
  Condition in_values(std::vector<AttributeValue> values) const;
};

// attr("email") == "a@example.com"
[[nodiscard]] inline Attr attr(std::string name) { return Attr(std::move(name)); }

}  // namespace ddbcrypt::model
