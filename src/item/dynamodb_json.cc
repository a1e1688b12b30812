#include "ddbcrypt/item/dynamodb_json.h"

#include <simdjson.h>

#include <array>
#include <memory>
#include <optional>

#include "ddbcrypt/error.h"
#include "item/json_path.h"

namespace ddbcrypt {
namespace {

using simdjson::dom::element;

// Documents above this size get a parser of their own, so that one huge input does not pin
// its buffers in the thread's reusable parser for the rest of the thread's life.
constexpr std::size_t kReusableParserLimit = std::size_t{4} << 20;

class Reader {
 public:
  AttributeValue value(element e);
  Item item(element root);

 private:
  [[noreturn]] void fail(std::string_view what) const {
    throw FormatError("invalid DynamoDB JSON at " + path_.render() + ": " + std::string(what));
  }

  // Runs a factory, re-throwing its FormatError (empty set, bad number, ...) with the path.
  template <class Make>
  AttributeValue checked(Make&& make) const {
    try {
      return make();
    } catch (const FormatError& error) {
      fail(error.what());
    }
  }

  std::string_view string_of(element e, std::string_view tag) const {
    std::string_view s;
    if (e.get_string().get(s)) fail("expected a string for " + std::string(tag));
    return s;
  }

  Bytes binary_of(element e) const {
    const std::string_view text = string_of(e, "B");
    try {
      return base64_decode(text);
    } catch (const FormatError& error) {
      fail(error.what());
    }
  }

  simdjson::dom::array array_of(element e, std::string_view tag) const {
    simdjson::dom::array array;
    if (e.get_array().get(array)) fail("expected an array for " + std::string(tag));
    return array;
  }

  std::vector<std::string> strings_of(element e, std::string_view tag) {
    const simdjson::dom::array array = array_of(e, tag);
    std::vector<std::string> out;
    out.reserve(array.size());
    std::size_t i = 0;
    for (const element member : array) {
      internal::JsonPathScope scope(path_, i++);
      out.emplace_back(string_of(member, tag));
    }
    return out;
  }

  AttributeValue tagged(AttributeValue::Type type, element v);

  // The reader recurses once per level; simdjson's own bound (1024 JSON levels) is looser.
  void enter() {
    if (++depth_ > kMaxNestingDepth) fail("maps and lists nested too deeply");
  }

  internal::JsonPath path_;
  int depth_ = 0;
};

std::optional<AttributeValue::Type> tag_type(std::string_view tag) {
  using Type = AttributeValue::Type;
  switch (tag.size()) {
    case 1:
      if (tag == "S") return Type::kS;
      if (tag == "N") return Type::kN;
      if (tag == "M") return Type::kM;
      if (tag == "L") return Type::kL;
      if (tag == "B") return Type::kB;
      break;
    case 2:
      if (tag == "SS") return Type::kSS;
      if (tag == "NS") return Type::kNS;
      if (tag == "BS") return Type::kBS;
      break;
    case 4:
      if (tag == "BOOL") return Type::kBool;
      if (tag == "NULL") return Type::kNull;
      break;
    default:
      break;
  }
  return std::nullopt;
}

AttributeValue Reader::value(element e) {
  simdjson::dom::object object;
  if (e.get_object().get(object)) fail("expected an object with one type tag");
  if (object.size() != 1) fail("expected exactly one type tag");
  const auto field = *object.begin();
  const auto type = tag_type(field.key);
  // The tag is not echoed: a misplaced document could put anything in that position.
  if (!type) fail("unknown type tag (expected S, N, B, SS, NS, BS, M, L, BOOL or NULL)");
  internal::JsonPathScope scope(path_, field.key);
  return tagged(*type, field.value);
}

AttributeValue Reader::tagged(AttributeValue::Type type, element v) {
  using Type = AttributeValue::Type;
  const std::string_view tag = type_name(type);
  switch (type) {
    case Type::kS:
      return AttributeValue::S(std::string(string_of(v, tag)));
    case Type::kN: {
      std::string text(string_of(v, tag));
      return checked([&] { return AttributeValue::N(std::move(text)); });
    }
    case Type::kB:
      return AttributeValue::B(binary_of(v));
    case Type::kSS: {
      auto members = strings_of(v, tag);
      return checked([&] { return AttributeValue::SS(std::move(members)); });
    }
    case Type::kNS: {
      auto members = strings_of(v, tag);
      return checked([&] { return AttributeValue::NS(std::move(members)); });
    }
    case Type::kBS: {
      const simdjson::dom::array array = array_of(v, tag);
      std::vector<Bytes> members;
      members.reserve(array.size());
      std::size_t i = 0;
      for (const element member : array) {
        internal::JsonPathScope scope(path_, i++);
        members.push_back(binary_of(member));
      }
      return checked([&] { return AttributeValue::BS(std::move(members)); });
    }
    case Type::kM: {
      simdjson::dom::object object;
      if (v.get_object().get(object)) fail("expected an object for M");
      enter();
      AttributeValue::Map entries;
      for (const auto field : object) {
        internal::JsonPathScope scope(path_, field.key);
        // Reserve the name first: a duplicate is reported before its value is parsed.
        auto [it, inserted] = entries.try_emplace(std::string(field.key));
        if (!inserted) fail("duplicate map key");
        it->second = value(field.value);
      }
      --depth_;
      return AttributeValue::M(std::move(entries));
    }
    case Type::kL: {
      const simdjson::dom::array array = array_of(v, tag);
      enter();
      AttributeValue::List list;
      list.reserve(array.size());
      std::size_t i = 0;
      for (const element member : array) {
        internal::JsonPathScope scope(path_, i++);
        list.push_back(value(member));
      }
      --depth_;
      return AttributeValue::L(std::move(list));
    }
    case Type::kBool: {
      bool b = false;
      if (v.get_bool().get(b)) fail("expected true or false for BOOL");
      return AttributeValue::Bool(b);
    }
    case Type::kNull: {
      bool b = false;
      if (v.get_bool().get(b) || !b) fail("NULL must be true");
      return AttributeValue::Null();
    }
  }
  fail("unknown type");
}

Item Reader::item(element root) {
  simdjson::dom::object object;
  if (root.get_object().get(object)) fail("an item must be a JSON object");
  Item item;
  for (const auto field : object) {
    internal::JsonPathScope scope(path_, field.key);
    auto [it, inserted] = item.try_emplace(std::string(field.key));
    if (!inserted) fail("duplicate attribute name");
    it->second = value(field.value);
  }
  return item;
}

// Parses `json` and hands its root to `use` while the parser that owns it is alive.
template <class Use>
auto with_document(std::string_view json, Use&& use) {
  thread_local simdjson::dom::parser reusable;
  std::unique_ptr<simdjson::dom::parser> own;
  simdjson::dom::parser* parser = &reusable;
  if (json.size() > kReusableParserLimit) {
    own = std::make_unique<simdjson::dom::parser>();
    parser = own.get();
  }
  element root;
  if (const auto error = parser->parse(json.data(), json.size()).get(root)) {
    // simdjson's messages describe the syntax error without quoting the input.
    throw FormatError(std::string("invalid JSON: ") + simdjson::error_message(error));
  }
  return use(root);
}

constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> table{};
  for (std::size_t c = 0; c < 0x20; ++c) table[c] = true;
  table['"'] = true;
  table['\\'] = true;
  return table;
}();

void append_quoted_number(std::string& out, std::string_view number_text) {
  // Number text is validated on construction and never needs escaping.
  out += '"';
  out += number_text;
  out += '"';
}

}  // namespace

AttributeValue parse_attribute_value_json(std::string_view json) {
  return with_document(json, [](element root) { return Reader().value(root); });
}

Item parse_item_json(std::string_view json) {
  return with_document(json, [](element root) { return Reader().item(root); });
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  std::size_t run_begin = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!kNeedsEscape[c]) continue;
    out.append(text.data() + run_begin, i - run_begin);
    run_begin = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default: {
        const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(escape, sizeof(escape));
      }
    }
  }
  out.append(text.data() + run_begin, text.size() - run_begin);
  out += '"';
}

void append_json(std::string& out, const AttributeValue& value) {
  using Type = AttributeValue::Type;
  switch (value.type()) {
    case Type::kS:
      out += "{\"S\":";
      append_json_string(out, value.as_s());
      break;
    case Type::kN:
      out += "{\"N\":";
      append_quoted_number(out, value.as_n());
      break;
    case Type::kB:
      out += "{\"B\":\"";
      out += base64_encode(value.as_b());
      out += '"';
      break;
    case Type::kSS: {
      out += "{\"SS\":[";
      bool first = true;
      for (const auto& member : value.as_ss()) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, member);
      }
      out += ']';
      break;
    }
    case Type::kNS: {
      out += "{\"NS\":[";
      bool first = true;
      for (const auto& member : value.as_ns()) {
        if (!first) out += ',';
        first = false;
        append_quoted_number(out, member);
      }
      out += ']';
      break;
    }
    case Type::kBS: {
      out += "{\"BS\":[";
      bool first = true;
      for (const auto& member : value.as_bs()) {
        if (!first) out += ',';
        first = false;
        out += '"';
        out += base64_encode(member);
        out += '"';
      }
      out += ']';
      break;
    }
    case Type::kM:
      out += "{\"M\":";
      append_json(out, value.as_m());
      break;
    case Type::kL: {
      out += "{\"L\":[";
      bool first = true;
      for (const auto& element : value.as_l()) {
        if (!first) out += ',';
        first = false;
        append_json(out, element);
      }
      out += ']';
      break;
    }
    case Type::kBool:
      out += value.as_bool() ? "{\"BOOL\":true" : "{\"BOOL\":false";
      break;
    case Type::kNull:
      out += "{\"NULL\":true";
      break;
  }
  out += '}';
}

void append_json(std::string& out, const Item& item) {
  out += '{';
  bool first = true;
  for (const auto& [name, value] : item) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ':';
    append_json(out, value);
  }
  out += '}';
}

std::string to_json(const AttributeValue& value) {
  std::string out;
  append_json(out, value);
  return out;
}

std::string to_json(const Item& item) {
  std::string out;
  append_json(out, item);
  return out;
}

}  // namespace ddbcrypt
