// The attribute paths of DynamoDB expressions (projection, condition, filter, key condition and
// update expressions), with `#name` placeholders resolved.
//
// The encrypted client needs to know which attributes a request reads or changes: a filter on
// an encrypted attribute can never match (DynamoDB only sees ciphertext), an update of a signed
// attribute breaks the item's signature, and a projection must be widened to what signature
// verification needs. The parsers here follow DynamoDB's expression grammar closely enough to
// find every path; input DynamoDB would reject may be rejected here first, with a ConfigError
// naming the expression member and the offset (never a value: expressions hold none, values
// stay behind `:placeholders`).
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ddbcrypt::internal {

// One step of a document path: a map key / attribute name, or a list index.
struct PathElement {
  std::string name;                  // when !index
  std::optional<std::size_t> index;  // [n]
  friend bool operator==(const PathElement&, const PathElement&) = default;
};

// `a.b[2].c`: the first element is always a name (the top-level attribute).
struct DocumentPath {
  std::vector<PathElement> elements;
  const std::string& attribute() const { return elements.front().name; }
  bool is_top_level() const { return elements.size() == 1; }
  friend bool operator==(const DocumentPath&, const DocumentPath&) = default;
};

// How an expression uses a path.
enum class PathUse : std::uint8_t {
  kRead = 0,       // compared, copied or measured (operands, size(), begins_with, ...)
  kExistence = 1,  // only tested with attribute_exists / attribute_not_exists
  kSet = 2,        // UpdateExpression SET target
  kRemove = 3,     // UpdateExpression REMOVE target
  kAdd = 4,        // UpdateExpression ADD target
  kDelete = 5,     // UpdateExpression DELETE target
};

struct PathReference {
  DocumentPath path;
  PathUse use = PathUse::kRead;
  friend bool operator==(const PathReference&, const PathReference&) = default;
};

struct ParsedExpression {
  std::vector<PathReference> paths;  // in the order they appear
  std::set<std::string> name_placeholders;   // "#n" used
  std::set<std::string> value_placeholders;  // ":v" used
};

using ExpressionNames = std::map<std::string, std::string>;

// Each parser throws ConfigError("<member>: ...") for text it cannot parse and for a `#name`
// missing from `names`. `member` names the request member in messages ("FilterExpression").
[[nodiscard]] ParsedExpression parse_projection_expression(std::string_view text,
                                                           const ExpressionNames& names,
                                                           std::string_view member);
// Condition, filter and key condition expressions share one grammar.
[[nodiscard]] ParsedExpression parse_condition_expression(std::string_view text,
                                                          const ExpressionNames& names,
                                                          std::string_view member);
[[nodiscard]] ParsedExpression parse_update_expression(std::string_view text,
                                                       const ExpressionNames& names,
                                                       std::string_view member);

// Only the `#name` placeholders of any expression (used to prune ExpressionAttributeNames).
[[nodiscard]] std::set<std::string> name_placeholders_of(std::string_view text);

// `a.b[2]` for messages (names printed as they are, not re-escaped).
[[nodiscard]] std::string to_display(const DocumentPath& path);

// Writes paths back as expression text, with every name behind a fresh placeholder so that
// any attribute name (reserved words, punctuation, the `*amzn-ddb-map-*` names) is valid.
class PlaceholderWriter {
 public:
  // Placeholders are "#<prefix><n>", skipping any in `taken`.
  PlaceholderWriter(std::string prefix, const ExpressionNames& taken)
      : prefix_(std::move(prefix)), taken_(taken) {}

  [[nodiscard]] std::string write(const DocumentPath& path);
  // The placeholders handed out so far.
  const ExpressionNames& names() const noexcept { return names_; }

 private:
  std::string placeholder_for(const std::string& name);

  std::string prefix_;
  const ExpressionNames& taken_;
  ExpressionNames names_;                     // placeholder -> name
  std::map<std::string, std::string> by_name_;  // name -> placeholder
  std::size_t next_ = 0;
};

}  // namespace ddbcrypt::internal
