// AttributeValue and Item: the DynamoDB data model.
//
// An AttributeValue is one of the ten DynamoDB wire types, named by their tags:
// S, N, B, SS, NS, BS, M, L, BOOL, NULL. Unlike aws-sdk-cpp's, it is a real value: copies are
// deep, `==` compares contents, and reading it as the wrong type throws a FormatError that
// names both types.
//
// Numbers are kept as the decimal text DynamoDB sends (`N` values are strings on the wire);
// the factory checks that the text is a valid DynamoDB number (at most 38 significant
// digits, magnitude between 1E-130 and 9.99…E+125, or zero) but keeps its spelling, since
// the spelling is what DynamoDB stores and what some key derivations hash.
//
// Example:
//   Item item{{"pk", AttributeValue::S("user#1")},
//             {"age", AttributeValue::N("42")},
//             {"tags", AttributeValue::SS({"a", "b"})}};
//   int age = item.at("age").as_int64();
//
// Thread-safety: a value type; const access from several threads is safe.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "ddbcrypt/bytes.h"

namespace ddbcrypt {

class AttributeValue;

// Deepest nesting of M and L values that the parsers accept (a top-level M or L is level 1).
// DynamoDB itself stores at most 32 levels; the bound keeps the stack use of recursive
// readers small whatever the input.
inline constexpr int kMaxNestingDepth = 128;

// Items and maps are ordered by the UTF-8 bytes of their names, which is the order the legacy
// signature uses.
using Item = std::map<std::string, AttributeValue>;

class AttributeValue {
 public:
  // Wire type tags. Values are stable (used in the CLI's JSON and in tests), never renumber.
  enum class Type : std::uint8_t {
    kS = 0,
    kN = 1,
    kB = 2,
    kSS = 3,
    kNS = 4,
    kBS = 5,
    kM = 6,
    kL = 7,
    kBool = 8,
    kNull = 9,
  };

  using Map = std::map<std::string, AttributeValue>;
  using List = std::vector<AttributeValue>;

  // A NULL value.
  AttributeValue() = default;

  // Factories. N/NS validate number text; SS/NS/BS reject empty sets and duplicate members
  // (DynamoDB rejects both) with FormatError.
  [[nodiscard]] static AttributeValue S(std::string value);
  [[nodiscard]] static AttributeValue N(std::string number_text);
  [[nodiscard]] static AttributeValue B(Bytes value);
  [[nodiscard]] static AttributeValue SS(std::vector<std::string> members);
  [[nodiscard]] static AttributeValue NS(std::vector<std::string> members);
  [[nodiscard]] static AttributeValue BS(std::vector<Bytes> members);
  [[nodiscard]] static AttributeValue M(Map entries);
  [[nodiscard]] static AttributeValue L(List elements);
  [[nodiscard]] static AttributeValue Bool(bool value);
  [[nodiscard]] static AttributeValue Null();

  // Number conveniences: exact decimal text of the integer / shortest round-trip text of the
  // double (throws FormatError for NaN and infinities, which DynamoDB cannot store, and for
  // magnitudes outside DynamoDB's range).
  [[nodiscard]] static AttributeValue N(std::int64_t value);
  [[nodiscard]] static AttributeValue N(std::uint64_t value);
  [[nodiscard]] static AttributeValue N(double value);
  // Other integer types (int, unsigned, long long, ...), so that N(42) is not ambiguous.
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  [[nodiscard]] static AttributeValue N(T value) {
    if constexpr (std::is_signed_v<T>) {
      return N(static_cast<std::int64_t>(value));
    } else {
      return N(static_cast<std::uint64_t>(value));
    }
  }

  // Sets with members that are only checked for DynamoDB's rules by `validate()`. Used by
  // the legacy deserializer, which must reproduce whatever the reference libraries wrote
  // (they keep duplicates and empty sets in serialized form).
  [[nodiscard]] static AttributeValue unchecked_set(Type set_type,
                                                    std::vector<std::string> members);
  [[nodiscard]] static AttributeValue unchecked_binary_set(std::vector<Bytes> members);

  Type type() const noexcept { return static_cast<Type>(value_.index()); }
  bool is(Type t) const noexcept { return type() == t; }

  // Typed access; each throws FormatError("expected SS, found M") on the wrong type.
  const std::string& as_s() const;
  const std::string& as_n() const;  // the number text as stored
  const Bytes& as_b() const;
  const std::vector<std::string>& as_ss() const;
  const std::vector<std::string>& as_ns() const;
  const std::vector<Bytes>& as_bs() const;
  const Map& as_m() const;
  const List& as_l() const;
  bool as_bool() const;

  Map& mutable_m();
  List& mutable_l();

  // Number conversions; FormatError if not N or not representable (as_int64: not an
  // integer or outside int64_t; as_double: the nearest double, which may round).
  std::int64_t as_int64() const;
  double as_double() const;

  // Equality: same type, and
  //  * S, B, BOOL, NULL: same content; N: same text;
  //  * SS, NS, BS: same members regardless of order (DynamoDB sets are unordered);
  //  * L: element-wise in order; M: same keys with equal values.
  friend bool operator==(const AttributeValue& a, const AttributeValue& b);

  // Like ==, but numbers (also inside NS, L and M) compare by numeric value, so "55.00"
  // equals "55" and "1E+2" equals "100". Used to compare a decrypted item with its
  // plaintext regardless of how a library spelled the numbers.
  friend bool equivalent(const AttributeValue& a, const AttributeValue& b);

  // Checks DynamoDB's own rules recursively (non-empty, duplicate-free sets; valid numbers).
  // Throws FormatError naming the rule.
  void validate() const;

 private:
  struct NumberSet {
    std::vector<std::string> members;
    friend bool operator==(const NumberSet&, const NumberSet&) = default;
  };
  struct NumberText {
    std::string text;
    friend bool operator==(const NumberText&, const NumberText&) = default;
  };
  struct NullTag {
    friend bool operator==(const NullTag&, const NullTag&) = default;
  };
  // Index order equals Type order.
  using Storage = std::variant<std::string, NumberText, Bytes, std::vector<std::string>,
                               NumberSet, std::vector<Bytes>, Map, List, bool, NullTag>;
  template <class T>
  explicit AttributeValue(std::in_place_type_t<T>, T value)
      : value_(std::in_place_type<T>, std::move(value)) {}

  Storage value_{std::in_place_type<NullTag>};
};

// "S", "N", "B", "SS", "NS", "BS", "M", "L", "BOOL", "NULL".
std::string_view type_name(AttributeValue::Type type) noexcept;

// Equivalence of whole items (see `equivalent` above).
bool equivalent(const Item& a, const Item& b);

// Checks that `text` is a valid DynamoDB number; throws FormatError otherwise.
void validate_number(std::string_view text);

// Compares two DynamoDB number texts numerically: <0, 0, >0. Both must be valid numbers.
int compare_numbers(std::string_view a, std::string_view b);

}  // namespace ddbcrypt
