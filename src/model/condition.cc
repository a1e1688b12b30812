#include "ddbcrypt/model/condition.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ddbcrypt/error.h"

namespace ddbcrypt::model {

struct Condition::Node {
  enum class Kind { kCompare, kFunction, kExists, kNotExists, kBetween, kIn, kAnd, kOr, kNot };
  Kind kind = Kind::kCompare;
  std::string op;  // comparison operator or function name
  std::optional<AttributePath> path;
  std::vector<AttributeValue> values;
  std::shared_ptr<const Node> left;
  std::shared_ptr<const Node> right;
};

namespace {

using Node = Condition::Node;
using Kind = Node::Kind;

std::string render_node(const Node& node, ExpressionAttributes& attributes) {
  switch (node.kind) {
    case Kind::kCompare:
      return attributes.path(*node.path) + ' ' + node.op + ' ' + attributes.value(node.values[0]);
    case Kind::kFunction:
      return node.op + '(' + attributes.path(*node.path) + ", " +
             attributes.value(node.values[0]) + ')';
    case Kind::kExists:
      return "attribute_exists(" + attributes.path(*node.path) + ')';
    case Kind::kNotExists:
      return "attribute_not_exists(" + attributes.path(*node.path) + ')';
    case Kind::kBetween: {
      std::string text = attributes.path(*node.path) + " BETWEEN ";
      text += attributes.value(node.values[0]);
      text += " AND ";
      text += attributes.value(node.values[1]);
      return text;
    }
    case Kind::kIn: {
      std::string text = attributes.path(*node.path) + " IN (";
      for (std::size_t i = 0; i < node.values.size(); ++i) {
        if (i > 0) text += ", ";
        text += attributes.value(node.values[i]);
      }
      return text + ')';
    }
    case Kind::kAnd:
    case Kind::kOr: {
      // Parenthesized throughout, so the tree's shape is the expression's whatever
      // DynamoDB's precedence (NOT > AND > OR).
      std::string text = '(' + render_node(*node.left, attributes) + ')';
      text += node.kind == Kind::kAnd ? " AND " : " OR ";
      text += '(' + render_node(*node.right, attributes) + ')';
      return text;
    }
    case Kind::kNot:
      return "NOT (" + render_node(*node.left, attributes) + ')';
  }
  return {};
}

void collect_compared(const Node& node, std::vector<std::string>& out) {
  switch (node.kind) {
    case Kind::kExists:
    case Kind::kNotExists:
      return;
    case Kind::kAnd:
    case Kind::kOr:
      collect_compared(*node.left, out);
      collect_compared(*node.right, out);
      return;
    case Kind::kNot:
      collect_compared(*node.left, out);
      return;
    default:
      out.push_back(node.path->top_level_name());
  }
}

Condition make(Node node) { return Condition(std::make_shared<const Node>(std::move(node))); }

}  // namespace

std::string ExpressionAttributes::name(const std::string& name) {
  auto [it, inserted] = by_name_.emplace(name, std::string());
  if (inserted) {
    it->second = "#n" + std::to_string(names_.size());
    names_.emplace(it->second, name);
  }
  return it->second;
}

std::string ExpressionAttributes::value(AttributeValue value) {
  std::string placeholder = ":v" + std::to_string(values_.size());
  values_.emplace(placeholder, std::move(value));
  return placeholder;
}

std::string ExpressionAttributes::path(const AttributePath& path) {
  std::string text;
  for (const auto& step : path.steps()) {
    if (const auto* member = std::get_if<std::string>(&step)) {
      if (!text.empty()) text += '.';
      text += name(*member);
    } else {
      text += '[' + std::to_string(std::get<std::size_t>(step)) + ']';
    }
  }
  return text;
}

std::string Condition::render(ExpressionAttributes& attributes) const {
  return render_node(*node_, attributes);
}

std::vector<std::string> Condition::compared_attributes() const {
  std::vector<std::string> out;
  collect_compared(*node_, out);
  return out;
}

Condition operator&&(Condition a, Condition b) {
  return make(Node{.kind = Kind::kAnd, .left = std::move(a.node_), .right = std::move(b.node_)});
}

Condition operator||(Condition a, Condition b) {
  return make(Node{.kind = Kind::kOr, .left = std::move(a.node_), .right = std::move(b.node_)});
}

Condition operator!(Condition a) {
  return make(Node{.kind = Kind::kNot, .left = std::move(a.node_)});
}

Condition Attr::exists() const { return make(Node{.kind = Kind::kExists, .path = *this}); }

Condition Attr::not_exists() const { return make(Node{.kind = Kind::kNotExists, .path = *this}); }

Condition Attr::compare(const char* op, AttributeValue value) const {
  return make(Node{.kind = Kind::kCompare, .op = op, .path = *this, .values = {std::move(value)}});
}

Condition Attr::function(const char* name, AttributeValue value) const {
  return make(
      Node{.kind = Kind::kFunction, .op = name, .path = *this, .values = {std::move(value)}});
}

Condition Attr::between_values(AttributeValue low, AttributeValue high) const {
  return make(Node{.kind = Kind::kBetween, .path = *this, .values = {std::move(low), std::move(high)}});
}

Condition Attr::in_values(std::vector<AttributeValue> values) const {
  // DynamoDB's limits for IN.
  if (values.empty() || values.size() > 100) {
    throw ConfigError("in() takes 1 to 100 candidates");
  }
  return make(Node{.kind = Kind::kIn, .path = *this, .values = std::move(values)});
}

}  // namespace ddbcrypt::model
