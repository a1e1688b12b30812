// Attribute codecs: how a member of a model struct is stored as a DynamoDB value.
//
// The model layer (schema.h) maps each declared member through `encode_member` on write and
// `decode_member` on read:
//
//   member type                                   stored as
//   std::string                                   S (may be empty, except in keys)
//   integral types (not bool), float, double      N (exact integer text; shortest float text)
//   bool                                          BOOL
//   ddbcrypt::Bytes                               B
//   std::chrono::system_clock::time_point         S "2024-05-01T12:30:00.250000+00:00" (as
//                                                 pydynox's DatetimeAttribute writes it), or N
//                                                 whole epoch seconds with TimeFormat::kEpochSeconds
//                                                 (DynamoDB TTL, pydynox's TTLAttribute)
//   std::set<std::string | number | Bytes>        SS / NS / BS; an empty set is not stored
//   std::vector<X>                                L
//   std::map<std::string, X>                      M
//   std::optional<X>                              X; an empty optional is not stored
//   AttributeValue                                itself
//   any type with an AttributeCodec specialization, see below
//
// "Not stored" means the attribute is left out of the item (DynamoDB cannot hold an empty
// set, and pydynox leaves out None); reading an absent attribute gives the empty set or the
// empty optional back. Inside a list or map an empty optional or set is stored as NULL and
// read back from NULL.
//
// Time points keep microseconds in the ISO form (finer digits are dropped) and whole seconds
// (rounded toward zero, as Python's int()) in the epoch form. The ISO reader accepts a 'Z' or
// any ±HH:MM offset and 1 to 9 fraction digits.
//
// Custom types: specialize AttributeCodec with two static functions, e.g.
//
//   enum class Plan { kFree, kPro };
//   template <> struct ddbcrypt::model::AttributeCodec<Plan> {
//     static AttributeValue encode(const Plan& p) {
//       return AttributeValue::S(p == Plan::kPro ? "pro" : "free");
//     }
//     static Plan decode(const AttributeValue& v) {   // throw FormatError when unreadable
//       return v.as_s() == "pro" ? Plan::kPro : Plan::kFree;
//     }
//   };
//
// Errors: decoding a value of the wrong DynamoDB type or out of the member's range throws
// FormatError naming the types, never the value. Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/attribute_value.h"
#include "ddbcrypt/item/native.h"

namespace ddbcrypt::model {

using TimePoint = std::chrono::system_clock::time_point;

// How a time point member is stored. Values are stable; never renumber.
enum class TimeFormat : std::uint8_t {
  kIso8601 = 0,       // S, ISO 8601 with a UTC offset (pydynox DatetimeAttribute)
  kEpochSeconds = 1,  // N, whole seconds since 1970-01-01T00:00:00Z (TTL)
};

// Customization point for member types the table above does not cover. The primary template
// is left undefined; a specialization provides
//   static AttributeValue encode(const T&);
//   static T decode(const AttributeValue&);
template <class T>
struct AttributeCodec;

namespace detail {

std::string format_iso8601(TimePoint t);
// Throws FormatError for text that is not an ISO 8601 date-time with an offset.
TimePoint parse_iso8601(std::string_view text);
std::string format_epoch_seconds(TimePoint t);
// Throws FormatError for a number outside the range of TimePoint.
TimePoint parse_epoch_seconds(const std::string& number_text);

template <class T, class = void>
struct HasAttributeCodec : std::false_type {};
template <class T>
struct HasAttributeCodec<T, std::void_t<decltype(AttributeCodec<T>::encode(std::declval<const T&>())),
                                        decltype(AttributeCodec<T>::decode(
                                            std::declval<const AttributeValue&>()))>>
    : std::true_type {};

template <class T>
inline constexpr bool kIsTimePoint = std::is_same_v<T, TimePoint>;

template <class T>
inline constexpr bool kIsSetMember =
    std::is_same_v<T, std::string> || std::is_same_v<T, Bytes> || ddbcrypt::detail::kIsNumber<T>;

// Whether T can be a model member (recursively for containers).
template <class T>
struct IsModelValue
    : std::bool_constant<std::is_same_v<T, std::string> || std::is_same_v<T, bool> ||
                         ddbcrypt::detail::kIsNumber<T> || std::is_same_v<T, Bytes> ||
                         kIsTimePoint<T> || std::is_same_v<T, AttributeValue> ||
                         HasAttributeCodec<T>::value> {};
template <class T>
struct IsModelValue<std::optional<T>> : IsModelValue<T> {};
template <class T>
struct IsModelValue<std::set<T>> : std::bool_constant<kIsSetMember<T>> {};
template <class T>
struct IsModelValue<std::vector<T>> : IsModelValue<T> {};
template <>
struct IsModelValue<Bytes> : std::true_type {};
template <class T>
struct IsModelValue<std::map<std::string, T>> : IsModelValue<T> {};

template <class T>
inline constexpr bool kIsModelValue = IsModelValue<T>::value;

// Whether T may be a key (S, N or B) member.
template <class T>
inline constexpr bool kIsKeyValue = std::is_same_v<T, std::string> ||
                                    ddbcrypt::detail::kIsNumber<T> || std::is_same_v<T, Bytes> ||
                                    kIsTimePoint<T>;

// A time point, or an optional of one (the members FieldOptions::time_format applies to).
template <class T>
inline constexpr bool kIsTimeMember =
    kIsTimePoint<T> || std::is_same_v<T, std::optional<TimePoint>>;

}  // namespace detail

// The stored form of `value`, or nullopt when nothing is stored (empty optional, empty set).
// Throws FormatError for values DynamoDB cannot hold (NaN, infinities).
template <class M>
[[nodiscard]] std::optional<AttributeValue> encode_member(const M& value,
                                                          TimeFormat time_format = {}) {
  static_assert(detail::kIsModelValue<M>,
                "no DynamoDB mapping for this member type: use one listed in "
                "ddbcrypt/model/attribute_codec.h or specialize ddbcrypt::model::AttributeCodec");
  if constexpr (std::is_same_v<M, AttributeValue>) {
    return value;
  } else if constexpr (detail::HasAttributeCodec<M>::value) {
    return AttributeCodec<M>::encode(value);
  } else if constexpr (detail::kIsTimePoint<M>) {
    if (time_format == TimeFormat::kEpochSeconds) {
      return AttributeValue::N(detail::format_epoch_seconds(value));
    }
    return AttributeValue::S(detail::format_iso8601(value));
  } else if constexpr (ddbcrypt::detail::IsStdOptional<M>::value) {
    if (!value) return std::nullopt;
    return encode_member(*value, time_format);
  } else if constexpr (ddbcrypt::detail::IsStdSet<M>::value) {
    if (value.empty()) return std::nullopt;
    return to_attribute(value);
  } else if constexpr (std::is_same_v<M, Bytes>) {
    return AttributeValue::B(value);
  } else if constexpr (ddbcrypt::detail::IsStdVector<M>::value) {
    AttributeValue::List list;
    list.reserve(value.size());
    for (const auto& element : value) {
      list.push_back(encode_member(element, time_format).value_or(AttributeValue::Null()));
    }
    return AttributeValue::L(std::move(list));
  } else if constexpr (ddbcrypt::detail::IsStdMap<M>::value) {
    AttributeValue::Map map;
    for (const auto& [name, element] : value) {
      map.emplace(name, encode_member(element, time_format).value_or(AttributeValue::Null()));
    }
    return AttributeValue::M(std::move(map));
  } else {
    return to_attribute(value);
  }
}

// The member value stored as `value`. NULL reads as an empty optional or set. Throws
// FormatError for a value of another type or out of the member type's range.
template <class M>
[[nodiscard]] M decode_member(const AttributeValue& value, TimeFormat time_format = {}) {
  static_assert(detail::kIsModelValue<M>,
                "no DynamoDB mapping for this member type: use one listed in "
                "ddbcrypt/model/attribute_codec.h or specialize ddbcrypt::model::AttributeCodec");
  if constexpr (std::is_same_v<M, AttributeValue>) {
    return value;
  } else if constexpr (detail::HasAttributeCodec<M>::value) {
    return AttributeCodec<M>::decode(value);
  } else if constexpr (detail::kIsTimePoint<M>) {
    if (value.is(AttributeValue::Type::kN)) return detail::parse_epoch_seconds(value.as_n());
    if (time_format == TimeFormat::kEpochSeconds) {
      (void)value.as_n();  // throws the type error (expected N)
    }
    return detail::parse_iso8601(value.as_s());
  } else if constexpr (ddbcrypt::detail::IsStdOptional<M>::value) {
    if (value.is(AttributeValue::Type::kNull)) return std::nullopt;
    return decode_member<typename M::value_type>(value, time_format);
  } else if constexpr (ddbcrypt::detail::IsStdSet<M>::value) {
    if (value.is(AttributeValue::Type::kNull)) return M{};
    return from_attribute<M>(value);
  } else if constexpr (std::is_same_v<M, Bytes>) {
    return value.as_b();
  } else if constexpr (ddbcrypt::detail::IsStdVector<M>::value) {
    M out;
    out.reserve(value.as_l().size());
    for (const auto& element : value.as_l()) {
      out.push_back(decode_member<typename M::value_type>(element, time_format));
    }
    return out;
  } else if constexpr (ddbcrypt::detail::IsStdMap<M>::value) {
    M out;
    for (const auto& [name, element] : value.as_m()) {
      out.emplace(name, decode_member<typename M::mapped_type>(element, time_format));
    }
    return out;
  } else {
    return from_attribute<M>(value);
  }
}

// A value to compare against in a condition (condition.h): the stored form, with NULL for an
// empty optional or set.
template <class V>
[[nodiscard]] AttributeValue condition_operand(const V& value) {
  if constexpr (std::is_convertible_v<const V&, std::string_view> &&
                !std::is_same_v<V, std::string>) {
    return AttributeValue::S(std::string(std::string_view(value)));
  } else {
    return encode_member(value).value_or(AttributeValue::Null());
  }
}

}  // namespace ddbcrypt::model
