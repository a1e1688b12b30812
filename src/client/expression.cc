// Tokenizer and recursive-descent parsers for DynamoDB expressions (see expression.h).
//
// Grammar (DynamoDB Developer Guide, "Expressions"):
//   projection := path (',' path)*
//   condition  := disjunct (OR disjunct)*          disjunct := conjunct (AND conjunct)*
//   conjunct   := NOT conjunct | '(' condition ')' | function '(' operand (',' operand)* ')'
//               | operand comparator operand | operand BETWEEN operand AND operand
//               | operand IN '(' operand (',' operand)* ')'
//   operand    := path | ':value' | size '(' path ')'
//   update     := clause+, each of SET / REMOVE / ADD / DELETE at most once
//   SET        := path '=' value (',' path '=' value)*
//   value      := set_operand (('+' | '-') set_operand)?
//   set_operand:= path | ':value' | if_not_exists '(' path ',' value ')'
//               | list_append '(' value ',' value ')'
//   REMOVE     := path (',' path)*        ADD / DELETE := path ':value' (',' path ':value')*
//   path       := name ('.' name | '[' digits ']')*      name := identifier | '#placeholder'
// Keywords are case-insensitive; function names are not.
#include "client/expression.h"

#include <cctype>
#include <limits>
#include <utility>

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

enum class Tok : std::uint8_t {
  kEnd,
  kIdentifier,
  kNamePlaceholder,
  kValuePlaceholder,
  kNumber,
  kDot,
  kLBracket,
  kRBracket,
  kLParen,
  kRParen,
  kComma,
  kComparator,  // = <> < <= > >=
  kPlus,
  kMinus,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string_view text;
  std::size_t offset = 0;
};

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Deep enough for any real expression; bounds the recursion of hostile input.
constexpr int kMaxDepth = 64;

class Parser {
 public:
  Parser(std::string_view text, const ExpressionNames& names, std::string_view member)
      : text_(text), names_(names), member_(member) {
    advance();
  }

  ParsedExpression projection() {
    for (;;) {
      add(parse_path(), PathUse::kRead);
      if (!accept(Tok::kComma)) break;
    }
    expect_end();
    return std::move(out_);
  }

  ParsedExpression condition() {
    parse_condition(0);
    expect_end();
    return std::move(out_);
  }

  ParsedExpression update() {
    bool seen[4] = {false, false, false, false};
    static constexpr std::string_view kClauses[4] = {"SET", "REMOVE", "ADD", "DELETE"};
    if (current_.kind == Tok::kEnd) fail("is empty");
    while (current_.kind != Tok::kEnd) {
      int clause = -1;
      if (current_.kind == Tok::kIdentifier) {
        for (int i = 0; i < 4; ++i) {
          if (iequals(current_.text, kClauses[i])) clause = i;
        }
      }
      if (clause < 0) fail("expected SET, REMOVE, ADD or DELETE");
      if (seen[clause]) fail("has more than one " + std::string(kClauses[clause]) + " clause");
      seen[clause] = true;
      advance();
      for (;;) {
        switch (clause) {
          case 0: {
            add(parse_path(), PathUse::kSet);
            if (current_.kind != Tok::kComparator || current_.text != "=") fail("expected '='");
            advance();
            parse_set_value(0);
            break;
          }
          case 1:
            add(parse_path(), PathUse::kRemove);
            break;
          default:
            add(parse_path(), clause == 2 ? PathUse::kAdd : PathUse::kDelete);
            parse_operand(0);
            break;
        }
        if (!accept(Tok::kComma)) break;
      }
    }
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    std::string where;
    if (current_.text.empty()) {
      where = " at the end";
    } else {
      where = " at offset " + std::to_string(current_.offset) + " (near \"" +
              std::string(current_.text.substr(0, 40)) + "\")";
    }
    throw ConfigError(std::string(member_) + " cannot be parsed: " + what + where);
  }

  void advance() {
    std::size_t i = pos_;
    while (i < text_.size() && std::isspace(static_cast<unsigned char>(text_[i])) != 0) ++i;
    current_ = Token{Tok::kEnd, {}, i};
    if (i >= text_.size()) {
      pos_ = i;
      return;
    }
    const char c = text_[i];
    auto word_end = [&](std::size_t from) {
      std::size_t j = from;
      while (j < text_.size() && is_word_char(text_[j])) ++j;
      return j;
    };
    std::size_t end = i + 1;
    Tok kind = Tok::kEnd;
    if (c == '#' || c == ':') {
      end = word_end(i + 1);
      if (end == i + 1) {
        current_.text = text_.substr(i, 1);
        fail(std::string("a placeholder needs a name after '") + c + "'");
      }
      kind = c == '#' ? Tok::kNamePlaceholder : Tok::kValuePlaceholder;
    } else if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      while (end < text_.size() && std::isdigit(static_cast<unsigned char>(text_[end])) != 0) {
        ++end;
      }
      kind = Tok::kNumber;
    } else if (is_word_char(c)) {
      end = word_end(i);
      kind = Tok::kIdentifier;
    } else {
      switch (c) {
        case '.': kind = Tok::kDot; break;
        case '[': kind = Tok::kLBracket; break;
        case ']': kind = Tok::kRBracket; break;
        case '(': kind = Tok::kLParen; break;
        case ')': kind = Tok::kRParen; break;
        case ',': kind = Tok::kComma; break;
        case '+': kind = Tok::kPlus; break;
        case '-': kind = Tok::kMinus; break;
        case '=': kind = Tok::kComparator; break;
        case '<':
          kind = Tok::kComparator;
          if (i + 1 < text_.size() && (text_[i + 1] == '>' || text_[i + 1] == '=')) end = i + 2;
          break;
        case '>':
          kind = Tok::kComparator;
          if (i + 1 < text_.size() && text_[i + 1] == '=') end = i + 2;
          break;
        default:
          current_.text = text_.substr(i, 1);
          fail("unexpected character");
      }
    }
    current_ = Token{kind, text_.substr(i, end - i), i};
    pos_ = end;
  }

  // The token after the current one, without consuming anything.
  Token peek() {
    const std::size_t saved_pos = pos_;
    const Token saved = current_;
    advance();
    const Token next = current_;
    pos_ = saved_pos;
    current_ = saved;
    return next;
  }

  bool accept(Tok kind) {
    if (current_.kind != kind) return false;
    advance();
    return true;
  }
  void expect(Tok kind, const char* what) {
    if (!accept(kind)) fail(std::string("expected ") + what);
  }
  void expect_end() {
    if (current_.kind != Tok::kEnd) fail("unexpected text");
  }
  bool at_keyword(std::string_view keyword) const {
    return current_.kind == Tok::kIdentifier && iequals(current_.text, keyword);
  }
  static bool is_keyword(std::string_view word) {
    for (std::string_view k : {"AND", "OR", "NOT", "BETWEEN", "IN"}) {
      if (iequals(word, k)) return true;
    }
    return false;
  }

  void add(DocumentPath path, PathUse use) {
    out_.paths.push_back(PathReference{std::move(path), use});
  }

  std::string name_of_current() {
    if (current_.kind == Tok::kIdentifier) {
      if (is_keyword(current_.text)) fail("expected an attribute name, found a keyword");
      std::string name(current_.text);
      advance();
      return name;
    }
    if (current_.kind == Tok::kNamePlaceholder) {
      const std::string placeholder(current_.text);
      const auto it = names_.find(placeholder);
      if (it == names_.end()) {
        fail("the placeholder " + placeholder + " is not in ExpressionAttributeNames");
      }
      out_.name_placeholders.insert(placeholder);
      advance();
      return it->second;
    }
    fail("expected an attribute name or #placeholder");
  }

  DocumentPath parse_path() {
    DocumentPath path;
    path.elements.push_back(PathElement{name_of_current(), std::nullopt});
    for (;;) {
      if (accept(Tok::kDot)) {
        path.elements.push_back(PathElement{name_of_current(), std::nullopt});
      } else if (current_.kind == Tok::kLBracket) {
        advance();
        if (current_.kind != Tok::kNumber) fail("expected a list index");
        std::size_t index = 0;
        for (char d : current_.text) {
          if (index > (std::numeric_limits<std::size_t>::max() - 9) / 10) {
            fail("list index out of range");
          }
          index = index * 10 + static_cast<std::size_t>(d - '0');
        }
        advance();
        expect(Tok::kRBracket, "']'");
        path.elements.push_back(PathElement{{}, index});
      } else {
        return path;
      }
    }
  }

  // operand := path | :value | size(path)
  void parse_operand(int depth) {
    if (depth > kMaxDepth) fail("is nested too deeply");
    if (current_.kind == Tok::kValuePlaceholder) {
      out_.value_placeholders.emplace(current_.text);
      advance();
      return;
    }
    if (current_.kind == Tok::kIdentifier && current_.text == "size" &&
        peek().kind == Tok::kLParen) {
      advance();
      advance();
      add(parse_path(), PathUse::kRead);
      expect(Tok::kRParen, "')'");
      return;
    }
    add(parse_path(), PathUse::kRead);
  }

  void parse_condition(int depth) {
    parse_disjunct(depth);
    while (at_keyword("OR")) {
      advance();
      parse_disjunct(depth);
    }
  }
  void parse_disjunct(int depth) {
    parse_conjunct(depth);
    while (at_keyword("AND")) {
      advance();
      parse_conjunct(depth);
    }
  }
  void parse_conjunct(int depth) {
    if (depth > kMaxDepth) fail("is nested too deeply");
    if (at_keyword("NOT")) {
      advance();
      parse_conjunct(depth + 1);
      return;
    }
    if (accept(Tok::kLParen)) {
      parse_condition(depth + 1);
      expect(Tok::kRParen, "')'");
      return;
    }
    if (current_.kind == Tok::kIdentifier && current_.text != "size" &&
        peek().kind == Tok::kLParen) {
      const std::string_view function = current_.text;
      PathUse first_use = PathUse::kRead;
      if (function == "attribute_exists" || function == "attribute_not_exists") {
        first_use = PathUse::kExistence;
      } else if (function != "attribute_type" && function != "begins_with" &&
                 function != "contains") {
        fail("unknown function");
      }
      advance();
      advance();
      if (first_use == PathUse::kExistence) {
        add(parse_path(), PathUse::kExistence);
      } else {
        parse_operand(depth + 1);
        while (accept(Tok::kComma)) parse_operand(depth + 1);
      }
      expect(Tok::kRParen, "')'");
      return;
    }
    parse_operand(depth + 1);
    if (current_.kind == Tok::kComparator) {
      advance();
      parse_operand(depth + 1);
    } else if (at_keyword("BETWEEN")) {
      advance();
      parse_operand(depth + 1);
      if (!at_keyword("AND")) fail("expected AND after BETWEEN");
      advance();
      parse_operand(depth + 1);
    } else if (at_keyword("IN")) {
      advance();
      expect(Tok::kLParen, "'(' after IN");
      parse_operand(depth + 1);
      while (accept(Tok::kComma)) parse_operand(depth + 1);
      expect(Tok::kRParen, "')'");
    } else {
      fail("expected a comparison, BETWEEN or IN");
    }
  }

  void parse_set_value(int depth) {
    parse_set_operand(depth);
    if (current_.kind == Tok::kPlus || current_.kind == Tok::kMinus) {
      advance();
      parse_set_operand(depth);
    }
  }
  void parse_set_operand(int depth) {
    if (depth > kMaxDepth) fail("is nested too deeply");
    if (current_.kind == Tok::kIdentifier && peek().kind == Tok::kLParen) {
      const std::string_view function = current_.text;
      if (function == "if_not_exists") {
        advance();
        advance();
        add(parse_path(), PathUse::kRead);
        expect(Tok::kComma, "','");
        parse_set_value(depth + 1);
      } else if (function == "list_append") {
        advance();
        advance();
        parse_set_value(depth + 1);
        expect(Tok::kComma, "','");
        parse_set_value(depth + 1);
      } else {
        fail("unknown function");
      }
      expect(Tok::kRParen, "')'");
      return;
    }
    if (current_.kind == Tok::kValuePlaceholder) {
      out_.value_placeholders.emplace(current_.text);
      advance();
      return;
    }
    add(parse_path(), PathUse::kRead);
  }

  std::string_view text_;
  const ExpressionNames& names_;
  std::string_view member_;
  std::size_t pos_ = 0;
  Token current_;
  ParsedExpression out_;
};

}  // namespace

ParsedExpression parse_projection_expression(std::string_view text, const ExpressionNames& names,
                                             std::string_view member) {
  return Parser(text, names, member).projection();
}

ParsedExpression parse_condition_expression(std::string_view text, const ExpressionNames& names,
                                            std::string_view member) {
  return Parser(text, names, member).condition();
}

ParsedExpression parse_update_expression(std::string_view text, const ExpressionNames& names,
                                         std::string_view member) {
  return Parser(text, names, member).update();
}

std::set<std::string> name_placeholders_of(std::string_view text) {
  std::set<std::string> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '#') continue;
    std::size_t j = i + 1;
    while (j < text.size() && is_word_char(text[j])) ++j;
    if (j > i + 1) out.emplace(text.substr(i, j - i));
    i = j - 1;
  }
  return out;
}

std::string to_display(const DocumentPath& path) {
  std::string out;
  for (const PathElement& e : path.elements) {
    if (e.index) {
      out += "[" + std::to_string(*e.index) + "]";
    } else {
      if (!out.empty()) out += '.';
      out += e.name;
    }
  }
  return out;
}

std::string PlaceholderWriter::placeholder_for(const std::string& name) {
  const auto it = by_name_.find(name);
  if (it != by_name_.end()) return it->second;
  std::string placeholder;
  do {
    placeholder = "#" + prefix_ + std::to_string(next_++);
  } while (taken_.count(placeholder) != 0);
  names_.emplace(placeholder, name);
  by_name_.emplace(name, placeholder);
  return placeholder;
}

std::string PlaceholderWriter::write(const DocumentPath& path) {
  std::string out;
  for (const PathElement& e : path.elements) {
    if (e.index) {
      out += "[" + std::to_string(*e.index) + "]";
    } else {
      if (!out.empty()) out += '.';
      out += placeholder_for(e.name);
    }
  }
  return out;
}

}  // namespace ddbcrypt::internal
