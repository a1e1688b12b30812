#include "ddbcrypt/item/dynamodb_json.h"

#include <simdjson.h>

#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw FormatError("invalid DynamoDB JSON at " + path + ": " + what);
}

simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

element parse_document(std::string_view json) {
  element root;
  const auto error = thread_parser().parse(json.data(), json.size()).get(root);
  if (error) throw FormatError(std::string("invalid JSON: ") + simdjson::error_message(error));
  return root;
}

std::string string_of(const element& e, const std::string& path, const char* what) {
  std::string_view s;
  if (e.get_string().get(s)) fail(path, std::string("expected a string for ") + what);
  return std::string(s);
}

AttributeValue value_from(const element& e, const std::string& path);

std::vector<std::string> strings_of(const element& e, const std::string& path, const char* tag) {
  simdjson::dom::array array;
  if (e.get_array().get(array)) fail(path, std::string("expected an array for ") + tag);
  std::vector<std::string> out;
  out.reserve(array.size());
  std::size_t i = 0;
  for (element member : array) {
    out.push_back(string_of(member, path + "[" + std::to_string(i++) + "]", tag));
  }
  return out;
}

Bytes binary_of(const element& e, const std::string& path) {
  const std::string text = string_of(e, path, "B");
  try {
    return base64_decode(text);
  } catch (const FormatError& error) {
    fail(path, error.what());
  }
}

AttributeValue value_from(const element& e, const std::string& path) {
  simdjson::dom::object object;
  if (e.get_object().get(object)) fail(path, "expected an object with one type tag");
  if (object.size() != 1) fail(path, "expected exactly one type tag");
  const auto field = *object.begin();
  const std::string_view tag = field.key;
  const element v = field.value;
  const std::string inner = path + "." + std::string(tag);
  try {
    if (tag == "S") return AttributeValue::S(string_of(v, inner, "S"));
    if (tag == "N") return AttributeValue::N(string_of(v, inner, "N"));
    if (tag == "B") return AttributeValue::B(binary_of(v, inner));
    if (tag == "SS") return AttributeValue::SS(strings_of(v, inner, "SS"));
    if (tag == "NS") return AttributeValue::NS(strings_of(v, inner, "NS"));
    if (tag == "BS") {
      simdjson::dom::array array;
      if (v.get_array().get(array)) fail(inner, "expected an array for BS");
      std::vector<Bytes> members;
      std::size_t i = 0;
      for (element m : array) members.push_back(binary_of(m, inner + "[" + std::to_string(i++) + "]"));
      return AttributeValue::BS(std::move(members));
    }
    if (tag == "M") {
      simdjson::dom::object map;
      if (v.get_object().get(map)) fail(inner, "expected an object for M");
      AttributeValue::Map entries;
      for (const auto entry : map) {
        std::string key(entry.key);
        const std::string entry_path = inner + "." + key;
        if (!entries.emplace(key, value_from(entry.value, entry_path)).second) {
          fail(entry_path, "duplicate map key");
        }
      }
      return AttributeValue::M(std::move(entries));
    }
    if (tag == "L") {
      simdjson::dom::array array;
      if (v.get_array().get(array)) fail(inner, "expected an array for L");
      AttributeValue::List list;
      list.reserve(array.size());
      std::size_t i = 0;
      for (element m : array) list.push_back(value_from(m, inner + "[" + std::to_string(i++) + "]"));
      return AttributeValue::L(std::move(list));
    }
    if (tag == "BOOL") {
      bool b = false;
      if (v.get_bool().get(b)) fail(inner, "expected true or false for BOOL");
      return AttributeValue::Bool(b);
    }
    if (tag == "NULL") {
      bool b = false;
      if (v.get_bool().get(b) || !b) fail(inner, "NULL must be true");
      return AttributeValue::Null();
    }
  } catch (const FormatError& error) {
    const std::string message = error.what();
    if (message.rfind("invalid DynamoDB JSON", 0) == 0) throw;
    fail(inner, message);
  }
  fail(path, "unknown type tag \"" + std::string(tag.substr(0, 16)) + "\"");
}

Item item_from(const element& root) {
  simdjson::dom::object object;
  if (root.get_object().get(object)) fail("$", "an item must be a JSON object");
  Item item;
  for (const auto field : object) {
    std::string name(field.key);
    const std::string path = "$." + name;
    if (!item.emplace(name, value_from(field.value, path)).second) {
      fail(path, "duplicate attribute name");
    }
  }
  return item;
}

}  // namespace

AttributeValue parse_attribute_value_json(std::string_view json) {
  return value_from(parse_document(json), "$");
}

Item parse_item_json(std::string_view json) { return item_from(parse_document(json)); }

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
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
      default:
        if (u < 0x20) {
          out += "\\u00";
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 15]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void append_json(std::string& out, const AttributeValue& value) {
  using Type = AttributeValue::Type;
  auto string_array = [&out](const std::vector<std::string>& members) {
    out.push_back('[');
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i != 0) out.push_back(',');
      append_json_string(out, members[i]);
    }
    out.push_back(']');
  };
  switch (value.type()) {
    case Type::kS:
      out += "{\"S\":";
      append_json_string(out, value.as_s());
      break;
    case Type::kN:
      out += "{\"N\":";
      append_json_string(out, value.as_n());
      break;
    case Type::kB:
      out += "{\"B\":\"";
      out += base64_encode(value.as_b());
      out.push_back('"');
      break;
    case Type::kSS:
      out += "{\"SS\":";
      string_array(value.as_ss());
      break;
    case Type::kNS:
      out += "{\"NS\":";
      string_array(value.as_ns());
      break;
    case Type::kBS: {
      out += "{\"BS\":[";
      const auto& members = value.as_bs();
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i != 0) out.push_back(',');
        out.push_back('"');
        out += base64_encode(members[i]);
        out.push_back('"');
      }
      out.push_back(']');
      break;
    }
    case Type::kM: {
      out += "{\"M\":";
      append_json(out, value.as_m());
      break;
    }
    case Type::kL: {
      out += "{\"L\":[";
      const auto& list = value.as_l();
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (i != 0) out.push_back(',');
        append_json(out, list[i]);
      }
      out.push_back(']');
      break;
    }
    case Type::kBool:
      out += value.as_bool() ? "{\"BOOL\":true" : "{\"BOOL\":false";
      break;
    case Type::kNull:
      out += "{\"NULL\":true";
      break;
  }
  out.push_back('}');
}

void append_json(std::string& out, const Item& item) {
  out.push_back('{');
  bool first = true;
  for (const auto& [name, value] : item) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, name);
    out.push_back(':');
    append_json(out, value);
  }
  out.push_back('}');
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
