#include "testing/fake_dynamodb.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <functional>
#include <memory>
#include <set>
#include <thread>
#include <utility>
#include <variant>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::testing {
namespace {

using AV = AttributeValue;
using Type = AttributeValue::Type;

std::atomic<std::uint64_t> request_ids{0};

[[noreturn]] void fail(const std::string& code, const std::string& message,
                       std::shared_ptr<const aws::DynamoDbErrorDetails> details = nullptr) {
  throw DynamoDbError(AwsErrorInfo{.error_code = code,
                                   .message = message,
                                   .http_status = 400,
                                   .request_id = "FAKE-" + std::to_string(++request_ids),
                                   .retryable = false,
                                   .attempts = 1},
                      std::move(details));
}

[[noreturn]] void invalid(const std::string& message) { fail("ValidationException", message); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// ----- Tokens ----------------------------------------------------------------------------------

enum class Tok { kIdent, kName, kValue, kNumber, kPunct, kEnd };
struct Token {
  Tok kind;
  std::string text;
};

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  auto word = [&](std::size_t start) {
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
    return std::string(s.substr(start, i - start));
  };
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' || c == ':') {
      const std::size_t start = i++;
      word(i);
      out.push_back({c == '#' ? Tok::kName : Tok::kValue, std::string(s.substr(start, i - start))});
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      const std::size_t start = i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      out.push_back({Tok::kNumber, std::string(s.substr(start, i - start))});
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      out.push_back({Tok::kIdent, word(i)});
    } else if ((c == '<' || c == '>') && i + 1 < s.size() && (s[i + 1] == '=' || s[i + 1] == '>')) {
      if (c == '>' && s[i + 1] == '>') invalid("Invalid expression: unexpected token");
      out.push_back({Tok::kPunct, std::string(s.substr(i, 2))});
      i += 2;
    } else if (std::string_view("()[],.=<>+-").find(c) != std::string_view::npos) {
      out.push_back({Tok::kPunct, std::string(1, c)});
      ++i;
    } else {
      invalid("Invalid expression: unexpected character");
    }
  }
  out.push_back({Tok::kEnd, ""});
  return out;
}

// ----- Paths -----------------------------------------------------------------------------------

using Step = std::variant<std::string, std::size_t>;
struct Path {
  std::vector<Step> steps;
};

const AV* resolve(const Item& item, const Path& path) {
  const auto first = item.find(std::get<std::string>(path.steps.front()));
  if (first == item.end()) return nullptr;
  const AV* at = &first->second;
  for (std::size_t i = 1; i < path.steps.size(); ++i) {
    if (const auto* name = std::get_if<std::string>(&path.steps[i])) {
      if (!at->is(Type::kM)) return nullptr;
      const auto it = at->as_m().find(*name);
      if (it == at->as_m().end()) return nullptr;
      at = &it->second;
    } else {
      const std::size_t index = std::get<std::size_t>(path.steps[i]);
      if (!at->is(Type::kL) || index >= at->as_l().size()) return nullptr;
      at = &at->as_l()[index];
    }
  }
  return at;
}

AV* resolve_parent(Item& item, const Path& path) {
  // Returns the container the last step is in (null for top level).
  if (path.steps.size() == 1) return nullptr;
  auto first = item.find(std::get<std::string>(path.steps.front()));
  if (first == item.end()) invalid("The document path provided in the update expression is invalid for update");
  AV* at = &first->second;
  for (std::size_t i = 1; i + 1 < path.steps.size(); ++i) {
    if (const auto* name = std::get_if<std::string>(&path.steps[i])) {
      if (!at->is(Type::kM) || !at->as_m().count(*name)) {
        invalid("The document path provided in the update expression is invalid for update");
      }
      at = &at->mutable_m().at(*name);
    } else {
      const std::size_t index = std::get<std::size_t>(path.steps[i]);
      if (!at->is(Type::kL) || index >= at->as_l().size()) {
        invalid("The document path provided in the update expression is invalid for update");
      }
      at = &at->mutable_l()[index];
    }
  }
  return at;
}

void set_path(Item& item, const Path& path, AV value) {
  AV* parent = resolve_parent(item, path);
  const Step& last = path.steps.back();
  if (!parent) {
    item.insert_or_assign(std::get<std::string>(last), std::move(value));
  } else if (const auto* name = std::get_if<std::string>(&last)) {
    if (!parent->is(Type::kM)) invalid("The document path provided in the update expression is invalid for update");
    parent->mutable_m().insert_or_assign(*name, std::move(value));
  } else {
    if (!parent->is(Type::kL)) invalid("The document path provided in the update expression is invalid for update");
    auto& list = parent->mutable_l();
    const std::size_t index = std::get<std::size_t>(last);
    if (index < list.size()) list[index] = std::move(value);
    else list.push_back(std::move(value));
  }
}

void remove_path(Item& item, const Path& path) {
  if (path.steps.size() == 1) {
    item.erase(std::get<std::string>(path.steps.front()));
    return;
  }
  if (!resolve(item, path)) return;
  AV* parent = resolve_parent(item, path);
  const Step& last = path.steps.back();
  if (const auto* name = std::get_if<std::string>(&last)) {
    parent->mutable_m().erase(*name);
  } else {
    auto& list = parent->mutable_l();
    list.erase(list.begin() + static_cast<std::ptrdiff_t>(std::get<std::size_t>(last)));
  }
}

// ----- Values ----------------------------------------------------------------------------------

// <0, 0, >0 for two scalars of the same type (S, N, B); nullopt when they cannot be ordered.
std::optional<int> compare_scalars(const AV& a, const AV& b) {
  if (a.type() != b.type()) return std::nullopt;
  switch (a.type()) {
    case Type::kS:
      return a.as_s().compare(b.as_s()) < 0 ? -1 : (a.as_s() == b.as_s() ? 0 : 1);
    case Type::kN:
      return compare_numbers(a.as_n(), b.as_n());
    case Type::kB: {
      const auto& x = a.as_b();
      const auto& y = b.as_b();
      if (x == y) return 0;
      return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end()) ? -1 : 1;
    }
    default:
      return std::nullopt;
  }
}

bool values_equal(const AV& a, const AV& b) { return equivalent(a, b); }

std::string type_tag(const AV& v) { return std::string(type_name(v.type())); }

// ----- Expressions -----------------------------------------------------------------------------

struct Placeholders {
  const aws::ExpressionAttributeNames& names;
  const aws::ExpressionAttributeValues& values;
  std::set<std::string> used_names;
  std::set<std::string> used_values;

  void check_all_used() const {
    for (const auto& [k, v] : names) {
      if (!used_names.count(k)) invalid("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + k + "}");
    }
    for (const auto& [k, v] : values) {
      if (!used_values.count(k)) invalid("Value provided in ExpressionAttributeValues unused in expressions: keys: {" + k + "}");
    }
  }
};

struct Operand {
  enum class Kind { kPath, kValue, kSize, kIfNotExists, kListAppend, kPlus, kMinus } kind = Kind::kPath;
  Path path;
  AV value;
  std::vector<Operand> args;
};

struct Expr {
  enum class Kind { kOr, kAnd, kNot, kCompare, kBetween, kIn, kExists, kNotExists, kBeginsWith, kContains, kType };
  Kind kind = Kind::kCompare;
  std::string op;
  std::vector<Operand> operands;
  std::vector<std::unique_ptr<Expr>> children;
};

class Parser {
 public:
  Parser(std::string_view text, Placeholders& placeholders)
      : tokens_(tokenize(text)), p_(placeholders) {}

  std::unique_ptr<Expr> condition_expression() {
    auto e = or_expr();
    expect_end();
    return e;
  }

  struct UpdateActions {
    std::vector<std::pair<Path, Operand>> sets;
    std::vector<Path> removes;
    std::vector<std::pair<Path, Operand>> adds;
    std::vector<std::pair<Path, Operand>> deletes;
  };
  UpdateActions update_expression() {
    UpdateActions out;
    std::set<std::string> clauses;
    while (peek().kind != Tok::kEnd) {
      const Token t = next();
      if (t.kind != Tok::kIdent) invalid("Invalid UpdateExpression: syntax error");
      std::string clause = t.text;
      for (auto& ch : clause) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (!clauses.insert(clause).second) invalid("Invalid UpdateExpression: The \"" + clause + "\" section can only be used once");
      do {
        if (clause == "SET") {
          Path path = parse_path();
          expect("=");
          out.sets.emplace_back(std::move(path), set_value());
        } else if (clause == "REMOVE") {
          out.removes.push_back(parse_path());
        } else if (clause == "ADD" || clause == "DELETE") {
          Path path = parse_path();
          Operand v = operand();
          (clause == "ADD" ? out.adds : out.deletes).emplace_back(std::move(path), std::move(v));
        } else {
          invalid("Invalid UpdateExpression: syntax error; token: " + t.text);
        }
      } while (accept(","));
    }
    if (clauses.empty()) invalid("Invalid UpdateExpression: The expression can not be empty");
    return out;
  }

  Path projection_path() { return parse_path(); }
  bool at_end() const { return tokens_[pos_].kind == Tok::kEnd; }
  bool accept_comma() { return accept(","); }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  Token next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool accept(std::string_view punct) {
    if (peek().kind == Tok::kPunct && peek().text == punct) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool accept_word(std::string_view word) {
    if (peek().kind == Tok::kIdent && iequals(peek().text, word)) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(std::string_view punct) {
    if (!accept(punct)) invalid("Invalid expression: syntax error, expected " + std::string(punct));
  }
  void expect_end() {
    if (peek().kind != Tok::kEnd) invalid("Invalid expression: syntax error near " + peek().text);
  }

  std::string name_of(const Token& t) {
    if (t.kind == Tok::kName) {
      const auto it = p_.names.find(t.text);
      if (it == p_.names.end()) invalid("An expression attribute name used in the document path is not defined; attribute name: " + t.text);
      p_.used_names.insert(t.text);
      return it->second;
    }
    if (t.kind == Tok::kIdent) return t.text;
    invalid("Invalid expression: expected an attribute name");
  }

  Path parse_path() {
    Path path;
    path.steps.emplace_back(name_of(next()));
    for (;;) {
      if (accept(".")) {
        path.steps.emplace_back(name_of(next()));
      } else if (accept("[")) {
        const Token n = next();
        if (n.kind != Tok::kNumber) invalid("Invalid expression: bad list index");
        path.steps.emplace_back(static_cast<std::size_t>(std::stoull(n.text)));
        expect("]");
      } else {
        return path;
      }
    }
  }

  AV value_of(const Token& t) {
    const auto it = p_.values.find(t.text);
    if (it == p_.values.end()) invalid("An expression attribute value used in expression is not defined; attribute value: " + t.text);
    p_.used_values.insert(t.text);
    return it->second;
  }

  Operand operand() {
    const Token& t = peek();
    if (t.kind == Tok::kValue) {
      Operand o{.kind = Operand::Kind::kValue};
      o.value = value_of(next());
      return o;
    }
    if (t.kind == Tok::kIdent && iequals(t.text, "size") && tokens_[pos_ + 1].text == "(") {
      next();
      expect("(");
      Operand o{.kind = Operand::Kind::kSize};
      o.path = parse_path();
      expect(")");
      return o;
    }
    Operand o{.kind = Operand::Kind::kPath};
    o.path = parse_path();
    return o;
  }

  Operand set_operand() {
    const Token& t = peek();
    if (t.kind == Tok::kIdent && tokens_[pos_ + 1].text == "(" &&
        (iequals(t.text, "if_not_exists") || iequals(t.text, "list_append"))) {
      const bool if_not_exists = iequals(next().text, "if_not_exists");
      expect("(");
      Operand o{.kind = if_not_exists ? Operand::Kind::kIfNotExists : Operand::Kind::kListAppend};
      if (if_not_exists) {
        Operand p{.kind = Operand::Kind::kPath};
        p.path = parse_path();
        o.args.push_back(std::move(p));
      } else {
        o.args.push_back(set_value());
      }
      expect(",");
      o.args.push_back(set_value());
      expect(")");
      return o;
    }
    return operand();
  }

  Operand set_value() {
    Operand left = set_operand();
    if (accept("+")) {
      Operand o{.kind = Operand::Kind::kPlus};
      o.args.push_back(std::move(left));
      o.args.push_back(set_operand());
      return o;
    }
    if (accept("-")) {
      Operand o{.kind = Operand::Kind::kMinus};
      o.args.push_back(std::move(left));
      o.args.push_back(set_operand());
      return o;
    }
    return left;
  }

  std::unique_ptr<Expr> or_expr() {
    auto left = and_expr();
    while (accept_word("OR")) {
      auto e = std::make_unique<Expr>();
      e->kind = Expr::Kind::kOr;
      e->children.push_back(std::move(left));
      e->children.push_back(and_expr());
      left = std::move(e);
    }
    return left;
  }

  std::unique_ptr<Expr> and_expr() {
    auto left = not_expr();
    while (accept_word("AND")) {
      auto e = std::make_unique<Expr>();
      e->kind = Expr::Kind::kAnd;
      e->children.push_back(std::move(left));
      e->children.push_back(not_expr());
      left = std::move(e);
    }
    return left;
  }

  std::unique_ptr<Expr> not_expr() {
    if (accept_word("NOT")) {
      auto e = std::make_unique<Expr>();
      e->kind = Expr::Kind::kNot;
      e->children.push_back(not_expr());
      return e;
    }
    return primary();
  }

  std::unique_ptr<Expr> primary() {
    if (accept("(")) {
      auto e = or_expr();
      expect(")");
      return e;
    }
    const Token& t = peek();
    if (t.kind == Tok::kIdent && tokens_[pos_ + 1].text == "(" && !iequals(t.text, "size")) {
      const std::string fn = next().text;
      expect("(");
      auto e = std::make_unique<Expr>();
      Operand p{.kind = Operand::Kind::kPath};
      p.path = parse_path();
      e->operands.push_back(std::move(p));
      if (iequals(fn, "attribute_exists")) {
        e->kind = Expr::Kind::kExists;
      } else if (iequals(fn, "attribute_not_exists")) {
        e->kind = Expr::Kind::kNotExists;
      } else {
        expect(",");
        e->operands.push_back(operand());
        if (iequals(fn, "begins_with")) e->kind = Expr::Kind::kBeginsWith;
        else if (iequals(fn, "contains")) e->kind = Expr::Kind::kContains;
        else if (iequals(fn, "attribute_type")) e->kind = Expr::Kind::kType;
        else invalid("Invalid expression: unknown function " + fn);
      }
      expect(")");
      return e;
    }
    auto e = std::make_unique<Expr>();
    e->operands.push_back(operand());
    if (accept_word("BETWEEN")) {
      e->kind = Expr::Kind::kBetween;
      e->operands.push_back(operand());
      if (!accept_word("AND")) invalid("Invalid expression: BETWEEN needs AND");
      e->operands.push_back(operand());
      return e;
    }
    if (accept_word("IN")) {
      e->kind = Expr::Kind::kIn;
      expect("(");
      do {
        e->operands.push_back(operand());
      } while (accept(","));
      expect(")");
      return e;
    }
    const Token op = next();
    static const std::set<std::string> kOps{"=", "<>", "<", "<=", ">", ">="};
    if (op.kind != Tok::kPunct || !kOps.count(op.text)) invalid("Invalid expression: expected a comparator");
    e->kind = Expr::Kind::kCompare;
    e->op = op.text;
    e->operands.push_back(operand());
    return e;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  Placeholders& p_;
};

std::optional<AV> evaluate(const Operand& o, const Item& item) {
  switch (o.kind) {
    case Operand::Kind::kValue:
      return o.value;
    case Operand::Kind::kPath: {
      const AV* v = resolve(item, o.path);
      return v ? std::optional<AV>(*v) : std::nullopt;
    }
    case Operand::Kind::kSize: {
      const AV* v = resolve(item, o.path);
      if (!v) return std::nullopt;
      std::size_t n = 0;
      switch (v->type()) {
        case Type::kS: n = v->as_s().size(); break;
        case Type::kB: n = v->as_b().size(); break;
        case Type::kSS: n = v->as_ss().size(); break;
        case Type::kNS: n = v->as_ns().size(); break;
        case Type::kBS: n = v->as_bs().size(); break;
        case Type::kL: n = v->as_l().size(); break;
        case Type::kM: n = v->as_m().size(); break;
        default: return std::nullopt;
      }
      return AV::N(static_cast<std::uint64_t>(n));
    }
    case Operand::Kind::kIfNotExists: {
      const AV* v = resolve(item, o.args[0].path);
      return v ? std::optional<AV>(*v) : evaluate(o.args[1], item);
    }
    case Operand::Kind::kListAppend: {
      auto a = evaluate(o.args[0], item);
      auto b = evaluate(o.args[1], item);
      if (!a || !b || !a->is(Type::kL) || !b->is(Type::kL)) invalid("Invalid UpdateExpression: list_append needs two lists");
      AV::List list = a->as_l();
      for (const auto& e : b->as_l()) list.push_back(e);
      return AV::L(std::move(list));
    }
    case Operand::Kind::kPlus:
    case Operand::Kind::kMinus: {
      auto a = evaluate(o.args[0], item);
      auto b = evaluate(o.args[1], item);
      if (!a || !b) invalid("The provided expression refers to an attribute that does not exist in the item");
      if (!a->is(Type::kN) || !b->is(Type::kN)) invalid("An operand in the update expression has an incorrect data type");
      const double x = a->as_double();
      const double y = b->as_double();
      const double r = o.kind == Operand::Kind::kPlus ? x + y : x - y;
      return AV::N(r);
    }
  }
  return std::nullopt;
}

bool evaluate(const Expr& e, const Item& item) {
  switch (e.kind) {
    case Expr::Kind::kOr:
      return evaluate(*e.children[0], item) || evaluate(*e.children[1], item);
    case Expr::Kind::kAnd:
      return evaluate(*e.children[0], item) && evaluate(*e.children[1], item);
    case Expr::Kind::kNot:
      return !evaluate(*e.children[0], item);
    case Expr::Kind::kExists:
      return resolve(item, e.operands[0].path) != nullptr;
    case Expr::Kind::kNotExists:
      return resolve(item, e.operands[0].path) == nullptr;
    case Expr::Kind::kCompare: {
      const auto a = evaluate(e.operands[0], item);
      const auto b = evaluate(e.operands[1], item);
      if (!a || !b) return false;
      if (e.op == "=") return values_equal(*a, *b);
      if (e.op == "<>") return !values_equal(*a, *b);
      const auto c = compare_scalars(*a, *b);
      if (!c) return false;
      if (e.op == "<") return *c < 0;
      if (e.op == "<=") return *c <= 0;
      if (e.op == ">") return *c > 0;
      return *c >= 0;
    }
    case Expr::Kind::kBetween: {
      const auto v = evaluate(e.operands[0], item);
      const auto lo = evaluate(e.operands[1], item);
      const auto hi = evaluate(e.operands[2], item);
      if (!v || !lo || !hi) return false;
      const auto a = compare_scalars(*v, *lo);
      const auto b = compare_scalars(*v, *hi);
      return a && b && *a >= 0 && *b <= 0;
    }
    case Expr::Kind::kIn: {
      const auto v = evaluate(e.operands[0], item);
      if (!v) return false;
      for (std::size_t i = 1; i < e.operands.size(); ++i) {
        const auto c = evaluate(e.operands[i], item);
        if (c && values_equal(*v, *c)) return true;
      }
      return false;
    }
    case Expr::Kind::kBeginsWith: {
      const auto v = evaluate(e.operands[0], item);
      const auto p = evaluate(e.operands[1], item);
      if (!v || !p || v->type() != p->type()) return false;
      if (v->is(Type::kS)) return v->as_s().starts_with(p->as_s());
      if (v->is(Type::kB)) {
        const auto& b = v->as_b();
        const auto& q = p->as_b();
        return b.size() >= q.size() && std::equal(q.begin(), q.end(), b.begin());
      }
      return false;
    }
    case Expr::Kind::kContains: {
      const auto v = evaluate(e.operands[0], item);
      const auto x = evaluate(e.operands[1], item);
      if (!v || !x) return false;
      switch (v->type()) {
        case Type::kS:
          return x->is(Type::kS) && v->as_s().find(x->as_s()) != std::string::npos;
        case Type::kSS:
          return x->is(Type::kS) && std::count(v->as_ss().begin(), v->as_ss().end(), x->as_s()) > 0;
        case Type::kNS:
          if (!x->is(Type::kN)) return false;
          for (const auto& m : v->as_ns()) {
            if (compare_numbers(m, x->as_n()) == 0) return true;
          }
          return false;
        case Type::kBS:
          return x->is(Type::kB) && std::count(v->as_bs().begin(), v->as_bs().end(), x->as_b()) > 0;
        case Type::kL:
          for (const auto& m : v->as_l()) {
            if (values_equal(m, *x)) return true;
          }
          return false;
        default:
          return false;
      }
    }
    case Expr::Kind::kType: {
      const auto v = evaluate(e.operands[0], item);
      const auto t = evaluate(e.operands[1], item);
      return v && t && t->is(Type::kS) && type_tag(*v) == t->as_s();
    }
  }
  return false;
}

// ----- Keys ------------------------------------------------------------------------------------

AV::Type scalar_of(aws::ScalarAttributeType t) {
  switch (t) {
    case aws::ScalarAttributeType::kS: return Type::kS;
    case aws::ScalarAttributeType::kN: return Type::kN;
    case aws::ScalarAttributeType::kB: return Type::kB;
  }
  return Type::kS;
}

void check_key_value(const FakeDynamoDb::Table& t, const std::string& name, const AV& v) {
  if (v.type() != scalar_of(t.types.at(name))) invalid("The provided key element does not match the schema");
  if ((v.is(Type::kS) && v.as_s().empty()) || (v.is(Type::kB) && v.as_b().empty())) {
    invalid("One or more parameter values are not valid. The AttributeValue for a key attribute "
            "cannot contain an empty string value. Key: " + name);
  }
}

// The primary key of an item to store.
Item key_of_item(const FakeDynamoDb::Table& t, const Item& item) {
  Item key;
  std::vector<std::string> names{t.partition_key};
  if (t.sort_key) names.push_back(*t.sort_key);
  for (const auto& n : names) {
    const auto it = item.find(n);
    if (it == item.end()) invalid("One of the required keys was not given a value");
    check_key_value(t, n, it->second);
    key.emplace(n, it->second);
  }
  // Index keys present must have the declared type.
  for (const auto& index : t.indexes) {
    for (const auto* k : {&index.partition_key, index.sort_key ? &*index.sort_key : nullptr}) {
      if (!k) continue;
      const auto it = item.find(*k);
      if (it != item.end() && it->second.type() != scalar_of(t.types.at(*k))) {
        invalid("One or more parameter values were invalid: Type mismatch for Index Key " + *k);
      }
    }
  }
  return key;
}

// A key given in a request: exactly the key attributes.
Item checked_key(const FakeDynamoDb::Table& t, const Item& key) {
  const std::size_t expected = t.sort_key ? 2 : 1;
  if (key.size() != expected) invalid("The provided key element does not match the schema");
  return key_of_item(t, key);
}

bool same_key(const Item& item, const Item& key) {
  for (const auto& [name, value] : key) {
    const auto it = item.find(name);
    if (it == item.end() || !values_equal(it->second, value)) return false;
  }
  return true;
}

Item* find_item(FakeDynamoDb::Table& t, const Item& key) {
  for (auto& item : t.items) {
    if (same_key(item, key)) return &item;
  }
  return nullptr;
}

void upsert(FakeDynamoDb::Table& t, Item item) {
  const Item key = key_of_item(t, item);
  if (Item* existing = find_item(t, key)) {
    *existing = std::move(item);
  } else {
    t.items.push_back(std::move(item));
  }
}

void erase_item(FakeDynamoDb::Table& t, const Item& key) {
  t.items.erase(std::remove_if(t.items.begin(), t.items.end(),
                               [&](const Item& i) { return same_key(i, key); }),
                t.items.end());
}

std::string key_text(const Item& key) {
  std::string s;
  for (const auto& [n, v] : key) {
    s += n + "=";
    if (v.is(Type::kS)) s += "S:" + v.as_s();
    else if (v.is(Type::kN)) s += "N:" + v.as_n();
    else s += "B:" + hex_encode(v.as_b());
    s += ';';
  }
  return s;
}

// Condition check shared by the single-item writes and transactions. Returns false when the
// condition fails.
bool condition_holds(const std::optional<std::string>& expression, Placeholders& p,
                     const Item* current) {
  if (!expression) return true;
  Parser parser(*expression, p);
  auto e = parser.condition_expression();
  static const Item kEmpty;
  return evaluate(*e, current ? *current : kEmpty);
}

Item apply_update(const std::string& expression, Placeholders& p, Item item) {
  Parser parser(expression, p);
  auto actions = parser.update_expression();
  const Item before = item;
  for (auto& [path, value] : actions.sets) {
    auto v = evaluate(value, before);
    if (!v) invalid("The provided expression refers to an attribute that does not exist in the item");
    set_path(item, path, std::move(*v));
  }
  for (const auto& path : actions.removes) remove_path(item, path);
  for (auto& [path, value] : actions.adds) {
    const AV delta = *evaluate(value, before);
    const AV* current = resolve(item, path);
    if (delta.is(Type::kN)) {
      if (current && !current->is(Type::kN)) invalid("An operand in the update expression has an incorrect data type");
      const double base = current ? current->as_double() : 0.0;
      if (current && current->as_n().find_first_of(".eE") == std::string::npos &&
          delta.as_n().find_first_of(".eE") == std::string::npos) {
        set_path(item, path, AV::N(current->as_int64() + delta.as_int64()));
      } else if (!current && delta.as_n().find_first_of(".eE") == std::string::npos) {
        set_path(item, path, AV::N(delta.as_int64()));
      } else {
        set_path(item, path, AV::N(base + delta.as_double()));
      }
    } else if (delta.is(Type::kSS) || delta.is(Type::kNS) || delta.is(Type::kBS)) {
      if (!current) {
        set_path(item, path, delta);
      } else {
        if (current->type() != delta.type()) invalid("An operand in the update expression has an incorrect data type");
        if (delta.is(Type::kSS)) {
          std::set<std::string> m(current->as_ss().begin(), current->as_ss().end());
          m.insert(delta.as_ss().begin(), delta.as_ss().end());
          set_path(item, path, AV::SS({m.begin(), m.end()}));
        } else if (delta.is(Type::kBS)) {
          std::set<Bytes> m(current->as_bs().begin(), current->as_bs().end());
          m.insert(delta.as_bs().begin(), delta.as_bs().end());
          set_path(item, path, AV::BS({m.begin(), m.end()}));
        } else {
          std::vector<std::string> m = current->as_ns();
          for (const auto& x : delta.as_ns()) {
            bool present = false;
            for (const auto& y : m) present = present || compare_numbers(x, y) == 0;
            if (!present) m.push_back(x);
          }
          set_path(item, path, AV::NS(std::move(m)));
        }
      }
    } else {
      invalid("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD");
    }
  }
  for (auto& [path, value] : actions.deletes) {
    const AV del = *evaluate(value, before);
    const AV* current = resolve(item, path);
    if (!current) continue;
    if (current->type() != del.type()) invalid("An operand in the update expression has an incorrect data type");
    if (del.is(Type::kSS)) {
      std::vector<std::string> m;
      for (const auto& x : current->as_ss()) {
        if (!std::count(del.as_ss().begin(), del.as_ss().end(), x)) m.push_back(x);
      }
      if (m.empty()) remove_path(item, path);
      else set_path(item, path, AV::SS(std::move(m)));
    } else {
      invalid("the fake supports DELETE on string sets only");
    }
  }
  return item;
}

std::shared_ptr<const aws::DynamoDbErrorDetails> old_item_details(const Item* current, bool wanted) {
  if (!wanted || !current) return nullptr;
  auto d = std::make_shared<aws::DynamoDbErrorDetails>();
  d->item = *current;
  return d;
}

bool wants_old(const std::optional<aws::ReturnValuesOnConditionCheckFailure>& r) {
  return r && *r == aws::ReturnValuesOnConditionCheckFailure::kAllOld;
}

// The items a Query or Scan walks, in order, with the key names that identify a position.
struct Walk {
  std::vector<const Item*> items;
  std::vector<std::string> position_keys;  // table keys, then index keys
};

Walk walk_of(const FakeDynamoDb::Table& t, const std::optional<std::string>& index_name,
             bool sorted) {
  Walk w;
  std::string pk = t.partition_key;
  std::optional<std::string> sk = t.sort_key;
  w.position_keys.push_back(t.partition_key);
  if (t.sort_key) w.position_keys.push_back(*t.sort_key);
  if (index_name) {
    const FakeDynamoDb::Index* index = nullptr;
    for (const auto& i : t.indexes) {
      if (i.name == *index_name) index = &i;
    }
    if (!index) invalid("The table does not have the specified index: " + *index_name);
    pk = index->partition_key;
    sk = index->sort_key;
    for (const auto* k : {&index->partition_key, index->sort_key ? &*index->sort_key : nullptr}) {
      if (k && std::find(w.position_keys.begin(), w.position_keys.end(), *k) == w.position_keys.end()) {
        w.position_keys.push_back(*k);
      }
    }
  }
  for (const auto& item : t.items) {
    if (!item.count(pk) || (sk && !item.count(*sk))) continue;  // sparse index
    w.items.push_back(&item);
  }
  if (sorted) {
    std::stable_sort(w.items.begin(), w.items.end(), [&](const Item* a, const Item* b) {
      const auto c = compare_scalars(a->at(pk), b->at(pk));
      if (c && *c != 0) return *c < 0;
      if (sk) {
        const auto d = compare_scalars(a->at(*sk), b->at(*sk));
        if (d && *d != 0) return *d < 0;
      }
      return false;
    });
  }
  return w;
}

Item position_of(const Item& item, const std::vector<std::string>& keys) {
  Item k;
  for (const auto& name : keys) k.emplace(name, item.at(name));
  return k;
}

struct PageOut {
  std::vector<Item> items;
  std::int64_t scanned = 0;
  std::optional<Item> last;
};

PageOut page_of(const std::vector<const Item*>& ordered, const std::vector<std::string>& keys,
                const std::optional<Item>& start, const std::optional<std::int32_t>& limit,
                const std::function<bool(const Item&)>& keep) {
  std::size_t begin = 0;
  if (start) {
    bool found = false;
    for (std::size_t i = 0; i < ordered.size(); ++i) {
      if (same_key(*ordered[i], *start)) {
        begin = i + 1;
        found = true;
        break;
      }
    }
    if (!found) invalid("The provided starting key is invalid");
  }
  if (limit && *limit < 1) invalid("Limit must be at least 1");
  PageOut out;
  std::size_t i = begin;
  for (; i < ordered.size(); ++i) {
    if (limit && out.scanned == *limit) break;
    ++out.scanned;
    if (keep(*ordered[i])) out.items.push_back(*ordered[i]);
  }
  if (i < ordered.size() && out.scanned > 0) out.last = position_of(*ordered[i - 1], keys);
  return out;
}

// The top-level names a ProjectionExpression keeps; nullopt for none (the whole item).
std::optional<std::vector<std::string>> projection_of(const std::optional<std::string>& text,
                                                      Placeholders& p) {
  if (!text) return std::nullopt;
  Parser parser(*text, p);
  std::vector<std::string> names;
  do {
    const Path path = parser.projection_path();
    if (path.steps.size() != 1) invalid("the fake projects top-level attributes only");
    names.push_back(std::get<std::string>(path.steps[0]));
  } while (parser.accept_comma());
  if (!parser.at_end()) invalid("Invalid ProjectionExpression: syntax error");
  return names;
}

Item project(const Item& item, const std::optional<std::vector<std::string>>& names) {
  if (!names) return item;
  Item out;
  for (const auto& n : *names) {
    if (auto it = item.find(n); it != item.end()) out.emplace(n, it->second);
  }
  return out;
}

}  // namespace

// ----- The client ------------------------------------------------------------------------------

FakeDynamoDb::FakeDynamoDb(std::string region) : region_(std::move(region)) {}
FakeDynamoDb::~FakeDynamoDb() = default;

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

void FakeDynamoDb::leave_unprocessed(const std::string& operation, int n, std::size_t count_) {
  std::lock_guard lock(mu_);
  faults_[operation] = Fault{.calls = n, .count = count_};
}

void FakeDynamoDb::set_return_item_on_condition_failure(bool enabled) {
  std::lock_guard lock(mu_);
  return_item_on_condition_failure_ = enabled;
}

std::vector<Item> FakeDynamoDb::items(const std::string& name) const {
  std::lock_guard lock(mu_);
  return table(name).items;
}

std::optional<Item> FakeDynamoDb::raw_item(const std::string& name, const Item& key) const {
  std::lock_guard lock(mu_);
  Table& t = table(name);
  const Item* i = find_item(t, checked_key(t, key));
  return i ? std::optional<Item>(*i) : std::nullopt;
}

void FakeDynamoDb::overwrite(const std::string& name, Item item) {
  std::lock_guard lock(mu_);
  upsert(table(name), std::move(item));
}

std::size_t FakeDynamoDb::calls(std::string_view operation) const {
  std::lock_guard lock(mu_);
  const auto it = counts_.find(operation);
  return it == counts_.end() ? 0 : it->second;
}

void FakeDynamoDb::reset_counts() {
  std::lock_guard lock(mu_);
  counts_.clear();
  gets_.clear();
  queries_.clear();
  updates_.clear();
  puts_.clear();
}

std::vector<aws::GetItemRequest> FakeDynamoDb::get_item_requests() const {
  std::lock_guard lock(mu_);
  return gets_;
}

std::vector<aws::QueryRequest> FakeDynamoDb::query_requests() const {
  std::lock_guard lock(mu_);
  return queries_;
}

std::vector<aws::UpdateItemRequest> FakeDynamoDb::update_item_requests() const {
  std::lock_guard lock(mu_);
  return updates_;
}

std::vector<aws::PutItemRequest> FakeDynamoDb::put_item_requests() const {
  std::lock_guard lock(mu_);
  return puts_;
}

FakeDynamoDb::Table& FakeDynamoDb::table(const std::string& name) const {
  const auto it = tables_.find(name);
  if (it == tables_.end()) fail("ResourceNotFoundException", "Requested resource not found");
  return it->second;
}

void FakeDynamoDb::begin(const std::string& operation) const {
  std::string injected;
  std::chrono::milliseconds latency{0};
  {
    std::lock_guard lock(mu_);
    auto it = counts_.find(operation);
    if (it == counts_.end()) it = counts_.emplace(operation, 0).first;
    ++it->second;
    if (auto f = failures_.find(operation); f != failures_.end()) {
      injected = f->second.code;
      if (f->second.remaining > 0 && --f->second.remaining == 0) failures_.erase(f);
    }
    latency = latency_;
  }
  if (latency.count() > 0) std::this_thread::sleep_for(latency);
  if (!injected.empty()) {
    const bool client_error = injected.find("AccessDenied") != std::string::npos ||
                              injected == "ResourceNotFoundException" ||
                              injected == "ValidationException";
    throw DynamoDbError(AwsErrorInfo{.error_code = injected,
                                     .message = "injected by the test",
                                     .http_status = client_error ? 400 : 500,
                                     .request_id = "FAKE-" + std::to_string(++request_ids),
                                     .retryable = !client_error});
  }
}

aws::GetItemResult FakeDynamoDb::get_item(const aws::GetItemRequest& r) const {
  begin("GetItem");
  std::lock_guard lock(mu_);
  gets_.push_back(r);
  if (!r.attributes_to_get.empty()) invalid("the fake does not support AttributesToGet");
  Table& t = table(r.table_name);
  const Item key = checked_key(t, r.key);
  static const aws::ExpressionAttributeValues kNoValues;
  Placeholders p{r.expression_attribute_names, kNoValues, {}, {}};
  const auto projection = projection_of(r.projection_expression, p);
  p.check_all_used();
  aws::GetItemResult out;
  if (const Item* i = find_item(t, key)) out.item = project(*i, projection);
  return out;
}

aws::PutItemResult FakeDynamoDb::put_item(const aws::PutItemRequest& r) const {
  begin("PutItem");
  std::lock_guard lock(mu_);
  puts_.push_back(r);
  Table& t = table(r.table_name);
  const Item key = key_of_item(t, r.item);
  for (const auto& [name, value] : r.item) value.validate();
  Placeholders p{r.expression_attribute_names, r.expression_attribute_values, {}, {}};
  const Item* current = find_item(t, key);
  const bool holds = condition_holds(r.condition_expression, p, current);
  p.check_all_used();
  if (!holds) {
    fail("ConditionalCheckFailedException", "The conditional request failed",
         old_item_details(current, return_item_on_condition_failure_ &&
                                       wants_old(r.return_values_on_condition_check_failure)));
  }
  upsert(t, r.item);
  return {};
}

aws::DeleteItemResult FakeDynamoDb::delete_item(const aws::DeleteItemRequest& r) const {
  begin("DeleteItem");
  std::lock_guard lock(mu_);
  Table& t = table(r.table_name);
  const Item key = checked_key(t, r.key);
  Placeholders p{r.expression_attribute_names, r.expression_attribute_values, {}, {}};
  const Item* current = find_item(t, key);
  const bool holds = condition_holds(r.condition_expression, p, current);
  p.check_all_used();
  if (!holds) {
    fail("ConditionalCheckFailedException", "The conditional request failed",
         old_item_details(current, return_item_on_condition_failure_ &&
                                       wants_old(r.return_values_on_condition_check_failure)));
  }
  erase_item(t, key);
  return {};
}

aws::UpdateItemResult FakeDynamoDb::update_item(const aws::UpdateItemRequest& r) const {
  begin("UpdateItem");
  std::lock_guard lock(mu_);
  updates_.push_back(r);
  Table& t = table(r.table_name);
  const Item key = checked_key(t, r.key);
  if (!r.update_expression) invalid("the fake needs an UpdateExpression");
  Placeholders p{r.expression_attribute_names, r.expression_attribute_values, {}, {}};
  Item* current = find_item(t, key);
  const bool holds = condition_holds(r.condition_expression, p, current);
  Item updated = apply_update(*r.update_expression, p, current ? *current : key);
  p.check_all_used();
  if (!holds) {
    fail("ConditionalCheckFailedException", "The conditional request failed",
         old_item_details(current, return_item_on_condition_failure_ &&
                                       wants_old(r.return_values_on_condition_check_failure)));
  }
  for (const auto& [name, v] : key) {
    if (!values_equal(updated.at(name), v)) invalid("Cannot update attribute " + name + ". This attribute is part of the key");
  }
  for (const auto& [name, value] : updated) value.validate();
  upsert(t, std::move(updated));
  return {};
}

aws::QueryResult FakeDynamoDb::query(const aws::QueryRequest& r) const {
  begin("Query");
  std::lock_guard lock(mu_);
  queries_.push_back(r);
  if (r.select || !r.attributes_to_get.empty() || !r.key_conditions.empty() ||
      !r.query_filter.empty() || r.conditional_operator) {
    invalid("the fake supports expressions only (no Select or legacy parameters)");
  }
  Table& t = table(r.table_name);
  if (!r.key_condition_expression) invalid("Either the KeyConditions or KeyConditionExpression parameter must be specified");
  if (r.index_name && r.consistent_read.value_or(false)) {
    for (const auto& i : t.indexes) {
      if (i.name == *r.index_name && i.global) invalid("Consistent reads are not supported on global secondary indexes");
    }
  }
  Placeholders p{r.expression_attribute_names, r.expression_attribute_values, {}, {}};
  Parser key_parser(*r.key_condition_expression, p);
  auto key_condition = key_parser.condition_expression();
  std::unique_ptr<Expr> filter;
  if (r.filter_expression) {
    Parser filter_parser(*r.filter_expression, p);
    filter = filter_parser.condition_expression();
  }
  const auto projection = projection_of(r.projection_expression, p);
  p.check_all_used();
  Walk w = walk_of(t, r.index_name, true);
  std::vector<const Item*> matching;
  for (const Item* i : w.items) {
    if (evaluate(*key_condition, *i)) matching.push_back(i);
  }
  if (r.scan_index_forward && !*r.scan_index_forward) std::reverse(matching.begin(), matching.end());
  PageOut page = page_of(matching, w.position_keys, r.exclusive_start_key, r.limit,
                         [&](const Item& i) { return !filter || evaluate(*filter, i); });
  aws::QueryResult out;
  out.count = static_cast<std::int64_t>(page.items.size());
  out.scanned_count = page.scanned;
  for (const Item& i : page.items) out.items.push_back(project(i, projection));
  out.last_evaluated_key = std::move(page.last);
  return out;
}

aws::ScanResult FakeDynamoDb::scan(const aws::ScanRequest& r) const {
  begin("Scan");
  std::lock_guard lock(mu_);
  if (r.select || !r.attributes_to_get.empty() || !r.scan_filter.empty() || r.conditional_operator) {
    invalid("the fake supports expressions only (no Select or legacy parameters)");
  }
  Table& t = table(r.table_name);
  Placeholders p{r.expression_attribute_names, r.expression_attribute_values, {}, {}};
  std::unique_ptr<Expr> filter;
  if (r.filter_expression) {
    Parser filter_parser(*r.filter_expression, p);
    filter = filter_parser.condition_expression();
  }
  const auto projection = projection_of(r.projection_expression, p);
  p.check_all_used();
  if (r.segment.has_value() != r.total_segments.has_value()) invalid("Segment and TotalSegments go together");
  Walk w = walk_of(t, r.index_name, false);
  std::vector<const Item*> in_segment;
  for (const Item* i : w.items) {
    if (r.total_segments) {
      const std::size_t h = std::hash<std::string>{}(key_text(Item{{t.partition_key, i->at(t.partition_key)}}));
      if (static_cast<std::int32_t>(h % static_cast<std::size_t>(*r.total_segments)) != *r.segment) continue;
    }
    in_segment.push_back(i);
  }
  PageOut page = page_of(in_segment, w.position_keys, r.exclusive_start_key, r.limit,
                         [&](const Item& i) { return !filter || evaluate(*filter, i); });
  aws::ScanResult out;
  out.count = static_cast<std::int64_t>(page.items.size());
  out.scanned_count = page.scanned;
  for (const Item& i : page.items) out.items.push_back(project(i, projection));
  out.last_evaluated_key = std::move(page.last);
  return out;
}

aws::BatchGetItemResult FakeDynamoDb::batch_get_item(const aws::BatchGetItemRequest& r) const {
  begin("BatchGetItem");
  std::lock_guard lock(mu_);
  std::size_t total = 0;
  for (const auto& [name, part] : r.request_items) total += part.keys.size();
  if (total == 0 || total > 100) invalid("Too many items requested for the BatchGetItem call");
  std::size_t unprocessed = 0;
  if (auto f = faults_.find("BatchGetItem"); f != faults_.end() && f->second.calls > 0) {
    --f->second.calls;
    unprocessed = f->second.count;
  }
  aws::BatchGetItemResult out;
  std::size_t index = 0;
  for (const auto& [name, part] : r.request_items) {
    Table& t = table(name);
    std::set<std::string> seen;
    for (const Item& k : part.keys) {
      const Item key = checked_key(t, k);
      if (!seen.insert(key_text(key)).second) invalid("Provided list of item keys contains duplicates");
      if (index++ >= total - std::min(unprocessed, total)) {
        auto& u = out.unprocessed_keys[name];
        u.keys.push_back(key);
        u.consistent_read = part.consistent_read;
        continue;
      }
      if (const Item* i = find_item(t, key)) out.responses[name].push_back(*i);
    }
  }
  return out;
}

aws::BatchWriteItemResult FakeDynamoDb::batch_write_item(const aws::BatchWriteItemRequest& r) const {
  begin("BatchWriteItem");
  std::lock_guard lock(mu_);
  std::size_t total = 0;
  for (const auto& [name, writes] : r.request_items) total += writes.size();
  if (total == 0 || total > 25) invalid("Too many items requested for the BatchWriteItem call");
  // Validate everything first: DynamoDB rejects the whole batch.
  for (const auto& [name, writes] : r.request_items) {
    Table& t = table(name);
    std::set<std::string> seen;
    for (const auto& w : writes) {
      const Item key = std::holds_alternative<aws::PutRequest>(w)
                           ? key_of_item(t, std::get<aws::PutRequest>(w).item)
                           : checked_key(t, std::get<aws::DeleteRequest>(w).key);
      if (!seen.insert(key_text(key)).second) invalid("Provided list of item keys contains duplicates");
    }
  }
  std::size_t unprocessed = 0;
  if (auto f = faults_.find("BatchWriteItem"); f != faults_.end() && f->second.calls > 0) {
    --f->second.calls;
    unprocessed = f->second.count;
  }
  aws::BatchWriteItemResult out;
  std::size_t index = 0;
  for (const auto& [name, writes] : r.request_items) {
    Table& t = table(name);
    for (const auto& w : writes) {
      if (index++ >= total - std::min(unprocessed, total)) {
        out.unprocessed_items[name].push_back(w);
        continue;
      }
      if (const auto* put = std::get_if<aws::PutRequest>(&w)) {
        upsert(t, put->item);
      } else {
        erase_item(t, checked_key(t, std::get<aws::DeleteRequest>(w).key));
      }
    }
  }
  return out;
}

aws::TransactGetItemsResult FakeDynamoDb::transact_get_items(const aws::TransactGetItemsRequest& r) const {
  begin("TransactGetItems");
  std::lock_guard lock(mu_);
  if (r.transact_items.empty() || r.transact_items.size() > 100) invalid("1 to 100 items");
  aws::TransactGetItemsResult out;
  for (const auto& g : r.transact_items) {
    Table& t = table(g.table_name);
    const Item* i = find_item(t, checked_key(t, g.key));
    out.responses.push_back(i ? std::optional<Item>(*i) : std::nullopt);
  }
  return out;
}

aws::TransactWriteItemsResult FakeDynamoDb::transact_write_items(
    const aws::TransactWriteItemsRequest& r) const {
  begin("TransactWriteItems");
  std::lock_guard lock(mu_);
  if (r.transact_items.empty() || r.transact_items.size() > 100) invalid("1 to 100 items");
  struct Planned {
    Table* table;
    Item key;
    std::optional<Item> result;  // nullopt: delete / no change
    bool write = false;
  };
  std::vector<Planned> plan;
  std::vector<aws::CancellationReason> reasons;
  bool canceled = false;
  std::set<std::string> touched;
  for (const auto& action : r.transact_items) {
    aws::CancellationReason reason{.code = "None"};
    Planned step;
    auto check = [&](const std::string& table_name, const Item& key,
                     const std::optional<std::string>& condition,
                     const aws::ExpressionAttributeNames& names,
                     const aws::ExpressionAttributeValues& values,
                     const std::optional<aws::ReturnValuesOnConditionCheckFailure>& rv,
                     const std::optional<std::string>& update) {
      Table& t = table(table_name);
      step.table = &t;
      step.key = key;
      if (!touched.insert(table_name + "|" + key_text(key)).second) {
        invalid("Transaction request cannot include multiple operations on one item");
      }
      Placeholders p{names, values, {}, {}};
      const Item* current = find_item(t, key);
      const bool holds = condition_holds(condition, p, current);
      if (update) step.result = apply_update(*update, p, current ? *current : key);
      p.check_all_used();
      if (!holds) {
        canceled = true;
        reason.code = "ConditionalCheckFailed";
        reason.message = "The conditional request failed";
        if (current && wants_old(rv) && return_item_on_condition_failure_) reason.item = *current;
      }
    };
    if (const auto* put = std::get_if<aws::TransactPut>(&action)) {
      check(put->table_name, key_of_item(table(put->table_name), put->item),
            put->condition_expression, put->expression_attribute_names,
            put->expression_attribute_values, put->return_values_on_condition_check_failure,
            std::nullopt);
      step.result = put->item;
      step.write = true;
    } else if (const auto* del = std::get_if<aws::TransactDelete>(&action)) {
      check(del->table_name, checked_key(table(del->table_name), del->key),
            del->condition_expression, del->expression_attribute_names,
            del->expression_attribute_values, del->return_values_on_condition_check_failure,
            std::nullopt);
      step.write = true;
    } else if (const auto* upd = std::get_if<aws::TransactUpdate>(&action)) {
      check(upd->table_name, checked_key(table(upd->table_name), upd->key),
            upd->condition_expression, upd->expression_attribute_names,
            upd->expression_attribute_values, upd->return_values_on_condition_check_failure,
            upd->update_expression);
      step.write = true;
    } else {
      const auto& cc = std::get<aws::TransactConditionCheck>(action);
      check(cc.table_name, checked_key(table(cc.table_name), cc.key), cc.condition_expression,
            cc.expression_attribute_names, cc.expression_attribute_values,
            cc.return_values_on_condition_check_failure, std::nullopt);
    }
    plan.push_back(std::move(step));
    reasons.push_back(std::move(reason));
  }
  if (canceled) {
    auto d = std::make_shared<aws::DynamoDbErrorDetails>();
    std::string codes;
    for (const auto& reason : reasons) codes += (codes.empty() ? "" : ", ") + reason.code;
    d->cancellation_reasons = std::move(reasons);
    fail("TransactionCanceledException",
         "Transaction cancelled, please refer cancellation reasons for specific reasons [" + codes + "]",
         std::move(d));
  }
  for (auto& step : plan) {
    if (!step.write) continue;
    if (step.result) upsert(*step.table, std::move(*step.result));
    else erase_item(*step.table, step.key);
  }
  return {};
}

aws::CreateTableResult FakeDynamoDb::create_table(const aws::CreateTableRequest& r) const {
  begin("CreateTable");
  std::lock_guard lock(mu_);
  if (tables_.count(r.table_name)) fail("ResourceInUseException", "Table already exists: " + r.table_name);
  Table t;
  for (const auto& d : r.attribute_definitions) t.types[d.attribute_name] = d.attribute_type;
  for (const auto& k : r.key_schema) {
    if (!t.types.count(k.attribute_name)) invalid("Key attribute has no definition");
    if (k.key_type == aws::KeyType::kHash) t.partition_key = k.attribute_name;
    else t.sort_key = k.attribute_name;
  }
  if (t.partition_key.empty()) invalid("No hash key");
  auto add_index = [&](const std::string& name, const std::vector<aws::KeySchemaElement>& keys, bool global) {
    Index index{.name = name, .global = global};
    for (const auto& k : keys) {
      if (!t.types.count(k.attribute_name)) invalid("Index key attribute has no definition");
      if (k.key_type == aws::KeyType::kHash) index.partition_key = k.attribute_name;
      else index.sort_key = k.attribute_name;
    }
    t.indexes.push_back(std::move(index));
  };
  for (const auto& g : r.global_secondary_indexes) add_index(g.index_name, g.key_schema, true);
  for (const auto& l : r.local_secondary_indexes) add_index(l.index_name, l.key_schema, false);
  // Every attribute definition must be a key of the table or an index (DynamoDB's rule).
  std::set<std::string> keys;
  for (const auto& k : r.key_schema) keys.insert(k.attribute_name);
  for (const auto& i : t.indexes) {
    keys.insert(i.partition_key);
    if (i.sort_key) keys.insert(*i.sort_key);
  }
  for (const auto& d : r.attribute_definitions) {
    if (!keys.count(d.attribute_name)) invalid("attribute definition " + d.attribute_name + " is not a key");
  }
  const bool on_demand = r.billing_mode == aws::BillingMode::kPayPerRequest;
  if (on_demand == r.provisioned_throughput.has_value()) {
    invalid("ProvisionedThroughput must be given exactly for PROVISIONED tables");
  }
  t.description.table_name = r.table_name;
  t.description.table_arn = "arn:aws:dynamodb:" + region_ + ":111122223333:table/" + r.table_name;
  t.description.table_status = "ACTIVE";
  t.description.attribute_definitions = r.attribute_definitions;
  t.description.key_schema = r.key_schema;
  t.description.item_count = 0;
  t.description.billing_mode_summary = aws::BillingModeSummary{
      .billing_mode = on_demand ? aws::BillingMode::kPayPerRequest : aws::BillingMode::kProvisioned};
  if (r.provisioned_throughput) {
    t.description.provisioned_throughput = aws::ProvisionedThroughputDescription{
        .read_capacity_units = r.provisioned_throughput->read_capacity_units,
        .write_capacity_units = r.provisioned_throughput->write_capacity_units};
  }
  for (const auto& g : r.global_secondary_indexes) {
    t.description.global_secondary_indexes.push_back(aws::GlobalSecondaryIndexDescription{
        .index_name = g.index_name, .key_schema = g.key_schema, .projection = g.projection,
        .index_status = std::string("ACTIVE")});
  }
  aws::CreateTableResult out{.table_description = t.description};
  out.table_description.table_status = "CREATING";
  tables_.emplace(r.table_name, std::move(t));
  return out;
}

aws::DescribeTableResult FakeDynamoDb::describe_table(const aws::DescribeTableRequest& r) const {
  begin("DescribeTable");
  std::lock_guard lock(mu_);
  const Table& t = table(r.table_name);
  aws::DescribeTableResult out{.table = t.description};
  out.table.item_count = static_cast<std::int64_t>(t.items.size());
  return out;
}

aws::DeleteTableResult FakeDynamoDb::delete_table(const aws::DeleteTableRequest& r) const {
  begin("DeleteTable");
  std::lock_guard lock(mu_);
  aws::DeleteTableResult out{.table_description = table(r.table_name).description};
  out.table_description.table_status = "DELETING";
  tables_.erase(r.table_name);
  return out;
}

aws::ListTablesResult FakeDynamoDb::list_tables(const aws::ListTablesRequest&) const {
  begin("ListTables");
  std::lock_guard lock(mu_);
  aws::ListTablesResult out;
  for (const auto& [name, t] : tables_) out.table_names.push_back(name);
  return out;
}

}  // namespace ddbcrypt::testing
