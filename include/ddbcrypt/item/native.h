// Conversion between native C++ values and DynamoDB attribute values: the C++ counterpart of
// the reference library's dict_to_ddb / ddb_to_dict.
//
//   C++ type                                   DynamoDB type
//   std::string, std::string_view, const char*  S
//   integral types (not bool), floating types   N
//   ddbcrypt::Bytes                             B
//   std::set<std::string>                       SS
//   std::set<integral or floating>              NS
//   std::set<Bytes>                             BS
//   std::vector<T>                              L
//   std::map<std::string, T>                    M
//   bool                                        BOOL
//   std::nullptr_t, empty std::optional<T>      NULL
//   AttributeValue                              itself
//
// Example:
//   Item user = to_item({{"pk", to_attribute("user#1")}, {"age", to_attribute(42)}});
//   int age = from_attribute<int>(user.at("age"));
//   auto tags = from_attribute<std::set<std::string>>(user.at("tags"));
//
// Native JSON (what a JSON document looks like without type tags) converts too: strings → S,
// numbers → N (spelled as in the document), true/false → BOOL, null → NULL, arrays → L,
// objects → M. Binary and sets have no native JSON form; when writing native JSON, B becomes a
// base64 string and sets become arrays, so the conversion is one-way for those types. Numbers
// are written as stored where JSON allows the spelling; DynamoDB spellings JSON forbids are
// rewritten to the same value ("+1" → 1, ".5" → 0.5, "007" → 7, "5." → 5).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ddbcrypt/error.h"
#include "ddbcrypt/item/attribute_value.h"

namespace ddbcrypt {

namespace detail {
template <class T>
struct IsStdVector : std::false_type {};
template <class T, class A>
struct IsStdVector<std::vector<T, A>> : std::true_type {};
template <class T>
struct IsStdSet : std::false_type {};
template <class T, class C, class A>
struct IsStdSet<std::set<T, C, A>> : std::true_type {};
template <class T>
struct IsStdMap : std::false_type {};
template <class V, class C, class A>
struct IsStdMap<std::map<std::string, V, C, A>> : std::true_type {};
template <class T>
struct IsStdOptional : std::false_type {};
template <class T>
struct IsStdOptional<std::optional<T>> : std::true_type {};
template <class T>
inline constexpr bool kIsNumber =
    (std::is_integral_v<T> && !std::is_same_v<T, bool>) || std::is_floating_point_v<T>;
template <class T>
inline constexpr bool kDependentFalse = false;

// Exact conversions used by from_attribute; throw FormatError when out of range. Floating
// results are the nearest representable value; a magnitude beyond the type's range throws.
std::int64_t number_to_int64(const std::string& text);
std::uint64_t number_to_uint64(const std::string& text);
double number_to_double(const std::string& text);
float number_to_float(const std::string& text);
// Exact integer text; shortest text that reads back as the same float or double (so 0.1f is
// "0.1", not the digits of its double widening). NaN and infinities throw FormatError.
std::string number_text(std::int64_t value);
std::string number_text(std::uint64_t value);
std::string number_text(double value);
std::string number_text(float value);

template <class T>
std::string number_text_of(T value) {
  if constexpr (std::is_same_v<T, float>) {
    return number_text(value);
  } else if constexpr (std::is_floating_point_v<T>) {
    return number_text(static_cast<double>(value));
  } else if constexpr (std::is_signed_v<T>) {
    return number_text(static_cast<std::int64_t>(value));
  } else {
    return number_text(static_cast<std::uint64_t>(value));
  }
}

template <class T>
T number_from_text(const std::string& text) {
  if constexpr (std::is_same_v<T, float>) {
    return number_to_float(text);
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(number_to_double(text));
  } else if constexpr (std::is_signed_v<T>) {
    const std::int64_t v = number_to_int64(text);
    if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
        v > static_cast<std::int64_t>(std::numeric_limits<T>::max())) {
      throw FormatError("number out of range for the requested integer type");
    }
    return static_cast<T>(v);
  } else {
    const std::uint64_t v = number_to_uint64(text);
    if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
      throw FormatError("number out of range for the requested integer type");
    }
    return static_cast<T>(v);
  }
}
}  // namespace detail

template <class T>
[[nodiscard]] AttributeValue to_attribute(const T& value) {
  using U = std::decay_t<T>;
  if constexpr (std::is_same_v<U, AttributeValue>) {
    return value;
  } else if constexpr (std::is_same_v<U, bool>) {
    return AttributeValue::Bool(value);
  } else if constexpr (std::is_same_v<U, std::nullptr_t>) {
    return AttributeValue::Null();
  } else if constexpr (std::is_convertible_v<const U&, std::string_view>) {
    return AttributeValue::S(std::string(std::string_view(value)));
  } else if constexpr (detail::kIsNumber<U>) {
    return AttributeValue::N(detail::number_text_of(value));
  } else if constexpr (std::is_same_v<U, Bytes>) {
    return AttributeValue::B(value);
  } else if constexpr (detail::IsStdOptional<U>::value) {
    return value ? to_attribute(*value) : AttributeValue::Null();
  } else if constexpr (detail::IsStdSet<U>::value) {
    using M = typename U::value_type;
    if constexpr (std::is_same_v<M, std::string>) {
      return AttributeValue::SS({value.begin(), value.end()});
    } else if constexpr (std::is_same_v<M, Bytes>) {
      return AttributeValue::BS({value.begin(), value.end()});
    } else if constexpr (detail::kIsNumber<M>) {
      std::vector<std::string> members;
      members.reserve(value.size());
      for (const auto& m : value) members.push_back(detail::number_text_of(m));
      return AttributeValue::NS(std::move(members));
    } else {
      static_assert(detail::kDependentFalse<U>, "sets hold strings, numbers or Bytes");
    }
  } else if constexpr (detail::IsStdVector<U>::value) {
    AttributeValue::List list;
    list.reserve(value.size());
    for (const auto& element : value) list.push_back(to_attribute(element));
    return AttributeValue::L(std::move(list));
  } else if constexpr (detail::IsStdMap<U>::value) {
    AttributeValue::Map map;
    for (const auto& [k, v] : value) map.emplace(k, to_attribute(v));
    return AttributeValue::M(std::move(map));
  } else {
    static_assert(detail::kDependentFalse<U>, "no DynamoDB type for this C++ type");
  }
}

template <class T>
[[nodiscard]] T from_attribute(const AttributeValue& value) {
  if constexpr (std::is_same_v<T, AttributeValue>) {
    return value;
  } else if constexpr (std::is_same_v<T, bool>) {
    return value.as_bool();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return value.as_s();
  } else if constexpr (detail::kIsNumber<T>) {
    return detail::number_from_text<T>(value.as_n());
  } else if constexpr (std::is_same_v<T, Bytes>) {
    return value.as_b();
  } else if constexpr (detail::IsStdOptional<T>::value) {
    if (value.is(AttributeValue::Type::kNull)) return std::nullopt;
    return from_attribute<typename T::value_type>(value);
  } else if constexpr (detail::IsStdSet<T>::value) {
    using M = typename T::value_type;
    T out;
    if constexpr (std::is_same_v<M, std::string>) {
      out.insert(value.as_ss().begin(), value.as_ss().end());
    } else if constexpr (std::is_same_v<M, Bytes>) {
      out.insert(value.as_bs().begin(), value.as_bs().end());
    } else {
      for (const auto& m : value.as_ns()) out.insert(detail::number_from_text<M>(m));
    }
    return out;
  } else if constexpr (detail::IsStdVector<T>::value) {
    T out;
    out.reserve(value.as_l().size());
    for (const auto& e : value.as_l()) {
      out.push_back(from_attribute<typename T::value_type>(e));
    }
    return out;
  } else if constexpr (detail::IsStdMap<T>::value) {
    T out;
    for (const auto& [k, v] : value.as_m()) {
      out.emplace(k, from_attribute<typename T::mapped_type>(v));
    }
    return out;
  } else {
    static_assert(detail::kDependentFalse<T>, "no DynamoDB type for this C++ type");
  }
}

// Native JSON ↔ values and items. Parsing is strict (RFC 8259, valid UTF-8, no duplicate keys,
// no trailing content, numbers valid for DynamoDB, nesting within kMaxNestingDepth) and throws
// FormatError with a JSON path ("$.a.b[1]") that never quotes the values.
[[nodiscard]] AttributeValue parse_native_json_value(std::string_view json);
[[nodiscard]] Item parse_native_json_item(std::string_view json);
[[nodiscard]] std::string to_native_json(const AttributeValue& value);
[[nodiscard]] std::string to_native_json(const Item& item);

}  // namespace ddbcrypt
