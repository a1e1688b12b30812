#include "ddbcrypt/item/native.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>

#include "ddbcrypt/item/dynamodb_json.h"
#include "item/decimal.h"

namespace ddbcrypt {
namespace detail {

std::int64_t number_to_int64(const std::string& text) {
  if (auto v = internal::Decimal::parse(text).to_int64()) return *v;
  throw FormatError("number is not an integer that fits in 64 bits");
}

std::uint64_t number_to_uint64(const std::string& text) {
  const auto d = internal::Decimal::parse(text);
  if (d.is_zero()) return 0;
  if (d.negative() || d.exponent() < 0) {
    throw FormatError("number is not a non-negative integer");
  }
  const std::string plain = d.to_plain_string();
  std::uint64_t out = 0;
  const auto [ptr, ec] = std::from_chars(plain.data(), plain.data() + plain.size(), out);
  if (ec != std::errc() || ptr != plain.data() + plain.size()) {
    throw FormatError("number does not fit in 64 unsigned bits");
  }
  return out;
}

double number_to_double(const std::string& text) {
  double out = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw FormatError("number is not representable as a double");
  }
  return out;
}

std::string number_text(std::int64_t value) { return std::to_string(value); }
std::string number_text(std::uint64_t value) { return std::to_string(value); }
std::string number_text(double value) {
  if (!std::isfinite(value)) throw FormatError("NaN and infinity are not DynamoDB numbers");
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

}  // namespace detail

namespace {

namespace od = simdjson::ondemand;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw FormatError("invalid native JSON at " + path + ": " + what);
}

AttributeValue native_value(od::value value, const std::string& path) {
  od::json_type type;
  if (value.type().get(type)) fail(path, "malformed JSON");
  switch (type) {
    case od::json_type::string: {
      std::string_view s;
      if (value.get_string().get(s)) fail(path, "malformed string");
      return AttributeValue::S(std::string(s));
    }
    case od::json_type::number: {
      std::string_view raw = value.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                              raw.back() == '\t')) {
        raw.remove_suffix(1);
      }
      try {
        return AttributeValue::N(std::string(raw));
      } catch (const FormatError& e) {
        fail(path, e.what());
      }
    }
    case od::json_type::boolean: {
      bool b = false;
      if (value.get_bool().get(b)) fail(path, "malformed boolean");
      return AttributeValue::Bool(b);
    }
    case od::json_type::null:
      if (!value.is_null()) fail(path, "malformed null");
      return AttributeValue::Null();
    case od::json_type::array: {
      od::array array;
      if (value.get_array().get(array)) fail(path, "malformed array");
      AttributeValue::List list;
      std::size_t i = 0;
      for (auto element : array) {
        od::value v;
        const std::string p = path + "[" + std::to_string(i++) + "]";
        if (element.get(v)) fail(p, "malformed JSON");
        list.push_back(native_value(v, p));
      }
      return AttributeValue::L(std::move(list));
    }
    case od::json_type::object: {
      od::object object;
      if (value.get_object().get(object)) fail(path, "malformed object");
      AttributeValue::Map map;
      for (auto field : object) {
        std::string_view key;
        if (field.unescaped_key().get(key)) fail(path, "malformed key");
        std::string name(key);
        od::value v;
        const std::string p = path + "." + name;
        if (field.value().get(v)) fail(p, "malformed JSON");
        if (!map.emplace(name, native_value(v, p)).second) fail(p, "duplicate key");
      }
      return AttributeValue::M(std::move(map));
    }
  }
  fail(path, "unsupported JSON value");
}

// Parses `[json]` so that scalars and containers alike arrive as an array element, which
// On-Demand handles uniformly (a scalar document is a special case there).
AttributeValue parse_native(std::string_view json) {
  std::string wrapped;
  wrapped.reserve(json.size() + 2 + simdjson::SIMDJSON_PADDING);
  wrapped.push_back('[');
  wrapped.append(json);
  wrapped.push_back(']');
  const simdjson::padded_string padded(wrapped);
  thread_local od::parser parser;
  od::document doc;
  if (parser.iterate(padded).get(doc)) throw FormatError("invalid JSON");
  od::array array;
  if (doc.get_array().get(array)) throw FormatError("invalid JSON");
  std::optional<AttributeValue> result;
  try {
    for (auto element : array) {
      od::value v;
      if (element.get(v)) throw FormatError("invalid JSON");
      if (result) throw FormatError("invalid JSON: more than one value");
      result = native_value(v, "$");
    }
  } catch (const simdjson::simdjson_error&) {
    throw FormatError("invalid JSON");
  }
  if (!result) throw FormatError("invalid JSON: no value");
  // On-Demand stops after the value it was asked for; anything left is trailing content.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    throw FormatError("invalid JSON: trailing content");
  }
  return std::move(*result);
}

void append_native(std::string& out, const AttributeValue& value) {
  using Type = AttributeValue::Type;
  switch (value.type()) {
    case Type::kS:
      append_json_string(out, value.as_s());
      break;
    case Type::kN:
      out += value.as_n();
      break;
    case Type::kB:
      append_json_string(out, base64_encode(value.as_b()));
      break;
    case Type::kSS:
    case Type::kNS: {
      const bool numbers = value.type() == Type::kNS;
      const auto& members = numbers ? value.as_ns() : value.as_ss();
      out.push_back('[');
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i != 0) out.push_back(',');
        if (numbers) out += members[i];
        else append_json_string(out, members[i]);
      }
      out.push_back(']');
      break;
    }
    case Type::kBS: {
      out.push_back('[');
      const auto& members = value.as_bs();
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i != 0) out.push_back(',');
        append_json_string(out, base64_encode(members[i]));
      }
      out.push_back(']');
      break;
    }
    case Type::kM: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, v] : value.as_m()) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, k);
        out.push_back(':');
        append_native(out, v);
      }
      out.push_back('}');
      break;
    }
    case Type::kL: {
      out.push_back('[');
      const auto& list = value.as_l();
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (i != 0) out.push_back(',');
        append_native(out, list[i]);
      }
      out.push_back(']');
      break;
    }
    case Type::kBool:
      out += value.as_bool() ? "true" : "false";
      break;
    case Type::kNull:
      out += "null";
      break;
  }
}

}  // namespace

AttributeValue parse_native_json_value(std::string_view json) { return parse_native(json); }

Item parse_native_json_item(std::string_view json) {
  AttributeValue value = parse_native(json);
  if (!value.is(AttributeValue::Type::kM)) {
    throw FormatError("invalid native JSON at $: an item must be a JSON object");
  }
  return std::move(value.mutable_m());
}

std::string to_native_json(const AttributeValue& value) {
  std::string out;
  append_native(out, value);
  return out;
}

std::string to_native_json(const Item& item) {
  std::string out;
  out.push_back('{');
  bool first = true;
  for (const auto& [k, v] : item) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, k);
    out.push_back(':');
    append_native(out, v);
  }
  out.push_back('}');
  return out;
}

}  // namespace ddbcrypt
