#include "ddbcrypt/item/native.h"

#include <simdjson.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "ddbcrypt/item/dynamodb_json.h"
#include "item/decimal.h"
#include "item/json_path.h"

namespace ddbcrypt {
namespace detail {

std::int64_t number_to_int64(const std::string& text) {
  if (auto v = internal::DecimalView::parse(text).to_int64()) return *v;
  throw FormatError("number is not an integer that fits in 64 bits");
}

std::uint64_t number_to_uint64(const std::string& text) {
  if (auto v = internal::DecimalView::parse(text).to_uint64()) return *v;
  throw FormatError("number is not a non-negative integer that fits in 64 bits");
}

double number_to_double(const std::string& text) { return internal::number_to_double(text); }

float number_to_float(const std::string& text) {
  const double value = internal::number_to_double(text);
  // Converting a double beyond float's range is undefined behaviour, so refuse it.
  if (std::fabs(value) > static_cast<double>(std::numeric_limits<float>::max())) {
    throw FormatError("number out of range for float");
  }
  return static_cast<float>(value);
}

std::string number_text(std::int64_t value) { return std::to_string(value); }
std::string number_text(std::uint64_t value) { return std::to_string(value); }
std::string number_text(double value) { return internal::double_to_text(value); }
std::string number_text(float value) { return internal::float_to_text(value); }

}  // namespace detail

namespace {

namespace od = simdjson::ondemand;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// RFC 8259's number grammar. On-Demand hands numbers over unchecked when read as raw text,
// and DynamoDB's grammar is looser ("+1", "01", "1."), so the JSON rules are checked here.
bool is_json_number(std::string_view t) noexcept {
  std::size_t i = 0;
  const std::size_t n = t.size();
  if (i < n && t[i] == '-') ++i;
  if (i >= n) return false;
  if (t[i] == '0') {
    ++i;
  } else if (is_digit(t[i])) {
    while (i < n && is_digit(t[i])) ++i;
  } else {
    return false;
  }
  if (i < n && t[i] == '.') {
    const std::size_t begin = ++i;
    while (i < n && is_digit(t[i])) ++i;
    if (i == begin) return false;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    const std::size_t begin = i;
    while (i < n && is_digit(t[i])) ++i;
    if (i == begin) return false;
  }
  return i == n;
}

class NativeReader {
 public:
  AttributeValue value(od::value v);

 private:
  [[noreturn]] void fail(std::string_view what) const {
    throw FormatError("invalid native JSON at " + path_.render() + ": " + std::string(what));
  }

  AttributeValue number(od::value v);
  void enter() {
    // On-Demand does not bound nesting, and this reader recurses once per level.
    if (++depth_ > kMaxNestingDepth) fail("maps and lists nested too deeply");
  }

  internal::JsonPath path_;
  int depth_ = 0;
};

AttributeValue NativeReader::number(od::value v) {
  std::string_view raw = v.raw_json_token();
  // The raw token runs up to the next structural character, so it may carry whitespace.
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                          raw.back() == '\t')) {
    raw.remove_suffix(1);
  }
  if (!is_json_number(raw)) fail("malformed number");
  try {
    return AttributeValue::N(std::string(raw));
  } catch (const FormatError& error) {
    fail(error.what());
  }
}

AttributeValue NativeReader::value(od::value v) {
  od::json_type type;
  if (v.type().get(type)) fail("malformed JSON");
  switch (type) {
    case od::json_type::string: {
      std::string_view s;
      if (v.get_string().get(s)) fail("malformed string");
      return AttributeValue::S(std::string(s));
    }
    case od::json_type::number:
      return number(v);
    case od::json_type::boolean: {
      bool b = false;
      if (v.get_bool().get(b)) fail("malformed boolean");
      return AttributeValue::Bool(b);
    }
    case od::json_type::null: {
      bool is_null = false;
      if (v.is_null().get(is_null) || !is_null) fail("malformed null");
      return AttributeValue::Null();
    }
    case od::json_type::array: {
      od::array array;
      if (v.get_array().get(array)) fail("malformed array");
      enter();
      AttributeValue::List list;
      std::size_t i = 0;
      for (auto element : array) {
        internal::JsonPathScope scope(path_, i++);
        od::value child;
        if (element.get(child)) fail("malformed JSON");
        list.push_back(value(child));
      }
      --depth_;
      return AttributeValue::L(std::move(list));
    }
    case od::json_type::object: {
      od::object object;
      if (v.get_object().get(object)) fail("malformed object");
      enter();
      AttributeValue::Map map;
      for (auto field : object) {
        std::string_view key;
        if (field.unescaped_key().get(key)) fail("malformed key");
        internal::JsonPathScope scope(path_, key);
        auto [it, inserted] = map.try_emplace(std::string(key));
        if (!inserted) fail("duplicate key");
        od::value child;
        if (field.value().get(child)) fail("malformed JSON");
        it->second = value(child);
      }
      --depth_;
      return AttributeValue::M(std::move(map));
    }
  }
  fail("unsupported JSON value");
}

// Parses `json` as one native JSON value. The text is wrapped as `[json]` so that scalars and
// containers alike arrive as an array element, which On-Demand handles uniformly (a scalar
// document is a special case there); the wrapping copy also supplies simdjson's padding.
AttributeValue parse_native(std::string_view json) {
  simdjson::padded_string padded(json.size() + 2);
  if (padded.data() == nullptr) throw FormatError("invalid JSON: document too large");
  padded.data()[0] = '[';
  if (!json.empty()) std::memcpy(padded.data() + 1, json.data(), json.size());
  padded.data()[json.size() + 1] = ']';

  thread_local od::parser parser;
  od::document doc;
  if (const auto error = parser.iterate(padded).get(doc)) {
    throw FormatError(std::string("invalid JSON: ") + simdjson::error_message(error));
  }
  od::array array;
  if (doc.get_array().get(array)) throw FormatError("invalid JSON");
  std::optional<AttributeValue> result;
  for (auto element : array) {
    od::value v;
    if (const auto error = element.get(v)) {
      throw FormatError(std::string("invalid JSON: ") + simdjson::error_message(error));
    }
    if (result) throw FormatError("invalid JSON: more than one value");
    result = NativeReader().value(v);
  }
  if (!result) throw FormatError("invalid JSON: no value");
  // On-Demand stops after the value it was asked for; anything left is trailing content.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    throw FormatError("invalid JSON: trailing content");
  }
  return std::move(*result);
}

void append_native(std::string& out, const AttributeValue& value);

void append_native_map(std::string& out, const AttributeValue::Map& map) {
  out += '{';
  bool first = true;
  for (const auto& [name, v] : map) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ':';
    append_native(out, v);
  }
  out += '}';
}

void append_native(std::string& out, const AttributeValue& value) {
  using Type = AttributeValue::Type;
  switch (value.type()) {
    case Type::kS:
      append_json_string(out, value.as_s());
      break;
    case Type::kN:
      internal::append_json_number(out, value.as_n());
      break;
    case Type::kB:
      out += '"';
      out += base64_encode(value.as_b());
      out += '"';
      break;
    case Type::kSS: {
      out += '[';
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
      out += '[';
      bool first = true;
      for (const auto& member : value.as_ns()) {
        if (!first) out += ',';
        first = false;
        internal::append_json_number(out, member);
      }
      out += ']';
      break;
    }
    case Type::kBS: {
      out += '[';
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
      append_native_map(out, value.as_m());
      break;
    case Type::kL: {
      out += '[';
      bool first = true;
      for (const auto& element : value.as_l()) {
        if (!first) out += ',';
        first = false;
        append_native(out, element);
      }
      out += ']';
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
  append_native_map(out, item);
  return out;
}

}  // namespace ddbcrypt
