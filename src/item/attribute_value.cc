#include "ddbcrypt/item/attribute_value.h"

#include <algorithm>
#include <functional>

#include "ddbcrypt/error.h"
#include "item/decimal.h"

namespace ddbcrypt {
namespace {

constexpr std::string_view kTypeNames[] = {"S", "N", "B", "SS", "NS", "BS", "M", "L", "BOOL",
                                           "NULL"};

// Below this size a quadratic scan beats sorting: no allocation, and sets are usually small.
constexpr std::size_t kSmallSet = 8;

[[noreturn]] void wrong_type(AttributeValue::Type expected, AttributeValue::Type found) {
  throw FormatError("expected " + std::string(type_name(expected)) + ", found " +
                    std::string(type_name(found)));
}

// Whether `keys` holds two equal elements; may reorder `keys`.
template <class K, class Less, class Equal>
bool has_duplicates(std::vector<K>& keys, Less less, Equal equal) {
  if (keys.size() <= kSmallSet) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      for (std::size_t j = i + 1; j < keys.size(); ++j) {
        if (equal(keys[i], keys[j])) return true;
      }
    }
    return false;
  }
  std::sort(keys.begin(), keys.end(), less);
  return std::adjacent_find(keys.begin(), keys.end(), equal) != keys.end();
}

// Same members regardless of order (as multisets, so unchecked sets compare sensibly too).
template <class T>
bool same_members(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  if (std::equal(a.begin(), a.end(), b.begin())) return true;
  std::vector<const T*> pa;
  std::vector<const T*> pb;
  pa.reserve(a.size());
  pb.reserve(b.size());
  for (const auto& x : a) pa.push_back(&x);
  for (const auto& x : b) pb.push_back(&x);
  auto less = [](const T* x, const T* y) { return *x < *y; };
  std::sort(pa.begin(), pa.end(), less);
  std::sort(pb.begin(), pb.end(), less);
  return std::equal(pa.begin(), pa.end(), pb.begin(),
                    [](const T* x, const T* y) { return *x == *y; });
}

std::vector<internal::DecimalView> parse_all(const std::vector<std::string>& members) {
  std::vector<internal::DecimalView> out;
  out.reserve(members.size());
  for (const auto& m : members) out.push_back(internal::DecimalView::parse(m));
  return out;
}

bool same_numbers(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  if (a == b) return true;
  auto da = parse_all(a);
  auto db = parse_all(b);
  std::sort(da.begin(), da.end());
  std::sort(db.begin(), db.end());
  return da == db;
}

void check_string_set(const std::vector<std::string>& members) {
  if (members.empty()) throw FormatError("an SS set must not be empty");
  std::vector<std::string_view> keys(members.begin(), members.end());
  if (has_duplicates(keys, std::less<>(), std::equal_to<>())) {
    throw FormatError("an SS set must not contain duplicates");
  }
}

void check_number_set(const std::vector<std::string>& members) {
  if (members.empty()) throw FormatError("an NS set must not be empty");
  std::vector<internal::DecimalView> values;
  values.reserve(members.size());
  for (const auto& m : members) values.push_back(internal::DecimalView::parse_dynamodb(m));
  // Duplicates are by value: DynamoDB rejects {"1", "1.0"}.
  if (has_duplicates(values, std::less<>(), std::equal_to<>())) {
    throw FormatError("an NS set must not contain duplicates");
  }
}

void check_binary_set(const std::vector<Bytes>& members) {
  if (members.empty()) throw FormatError("a BS set must not be empty");
  std::vector<const Bytes*> keys;
  keys.reserve(members.size());
  for (const auto& m : members) keys.push_back(&m);
  if (has_duplicates(
          keys, [](const Bytes* x, const Bytes* y) { return *x < *y; },
          [](const Bytes* x, const Bytes* y) { return *x == *y; })) {
    throw FormatError("a BS set must not contain duplicates");
  }
}

}  // namespace

std::string_view type_name(AttributeValue::Type type) noexcept {
  const auto i = static_cast<std::size_t>(type);
  return i < std::size(kTypeNames) ? kTypeNames[i] : std::string_view("?");
}

void validate_number(std::string_view text) {
  (void)internal::DecimalView::parse_dynamodb(text);
}

int compare_numbers(std::string_view a, std::string_view b) {
  return internal::DecimalView::parse(a).compare(internal::DecimalView::parse(b));
}

AttributeValue AttributeValue::S(std::string value) {
  return AttributeValue(std::in_place_type<std::string>, std::move(value));
}
AttributeValue AttributeValue::N(std::string number_text) {
  validate_number(number_text);
  return AttributeValue(std::in_place_type<NumberText>, NumberText{std::move(number_text)});
}
AttributeValue AttributeValue::B(Bytes value) {
  return AttributeValue(std::in_place_type<Bytes>, std::move(value));
}
AttributeValue AttributeValue::SS(std::vector<std::string> members) {
  check_string_set(members);
  return AttributeValue(std::in_place_type<std::vector<std::string>>, std::move(members));
}
AttributeValue AttributeValue::NS(std::vector<std::string> members) {
  check_number_set(members);
  return AttributeValue(std::in_place_type<NumberSet>, NumberSet{std::move(members)});
}
AttributeValue AttributeValue::BS(std::vector<Bytes> members) {
  check_binary_set(members);
  return AttributeValue(std::in_place_type<std::vector<Bytes>>, std::move(members));
}
AttributeValue AttributeValue::M(Map entries) {
  return AttributeValue(std::in_place_type<Map>, std::move(entries));
}
AttributeValue AttributeValue::L(List elements) {
  return AttributeValue(std::in_place_type<List>, std::move(elements));
}
AttributeValue AttributeValue::Bool(bool value) {
  return AttributeValue(std::in_place_type<bool>, value);
}
AttributeValue AttributeValue::Null() { return AttributeValue(); }

// Integers have at most 20 digits, so they are always valid DynamoDB numbers.
AttributeValue AttributeValue::N(std::int64_t value) {
  return AttributeValue(std::in_place_type<NumberText>, NumberText{std::to_string(value)});
}
AttributeValue AttributeValue::N(std::uint64_t value) {
  return AttributeValue(std::in_place_type<NumberText>, NumberText{std::to_string(value)});
}

AttributeValue AttributeValue::N(double value) { return N(internal::double_to_text(value)); }

AttributeValue AttributeValue::unchecked_set(Type set_type, std::vector<std::string> members) {
  if (set_type == Type::kSS) {
    return AttributeValue(std::in_place_type<std::vector<std::string>>, std::move(members));
  }
  if (set_type == Type::kNS) {
    // Members must still be numbers: the rest of the library relies on N text being valid.
    for (const auto& m : members) validate_number(m);
    return AttributeValue(std::in_place_type<NumberSet>, NumberSet{std::move(members)});
  }
  throw ConfigError("unchecked_set takes SS or NS, not " + std::string(type_name(set_type)));
}

AttributeValue AttributeValue::unchecked_binary_set(std::vector<Bytes> members) {
  return AttributeValue(std::in_place_type<std::vector<Bytes>>, std::move(members));
}

const std::string& AttributeValue::as_s() const {
  if (const auto* v = std::get_if<std::string>(&value_)) return *v;
  wrong_type(Type::kS, type());
}
const std::string& AttributeValue::as_n() const {
  if (const auto* v = std::get_if<NumberText>(&value_)) return v->text;
  wrong_type(Type::kN, type());
}
const Bytes& AttributeValue::as_b() const {
  if (const auto* v = std::get_if<Bytes>(&value_)) return *v;
  wrong_type(Type::kB, type());
}
const std::vector<std::string>& AttributeValue::as_ss() const {
  if (const auto* v = std::get_if<std::vector<std::string>>(&value_)) return *v;
  wrong_type(Type::kSS, type());
}
const std::vector<std::string>& AttributeValue::as_ns() const {
  if (const auto* v = std::get_if<NumberSet>(&value_)) return v->members;
  wrong_type(Type::kNS, type());
}
const std::vector<Bytes>& AttributeValue::as_bs() const {
  if (const auto* v = std::get_if<std::vector<Bytes>>(&value_)) return *v;
  wrong_type(Type::kBS, type());
}
const AttributeValue::Map& AttributeValue::as_m() const {
  if (const auto* v = std::get_if<Map>(&value_)) return *v;
  wrong_type(Type::kM, type());
}
const AttributeValue::List& AttributeValue::as_l() const {
  if (const auto* v = std::get_if<List>(&value_)) return *v;
  wrong_type(Type::kL, type());
}
bool AttributeValue::as_bool() const {
  if (const auto* v = std::get_if<bool>(&value_)) return *v;
  wrong_type(Type::kBool, type());
}
AttributeValue::Map& AttributeValue::mutable_m() {
  if (auto* v = std::get_if<Map>(&value_)) return *v;
  wrong_type(Type::kM, type());
}
AttributeValue::List& AttributeValue::mutable_l() {
  if (auto* v = std::get_if<List>(&value_)) return *v;
  wrong_type(Type::kL, type());
}

std::int64_t AttributeValue::as_int64() const {
  if (auto v = internal::DecimalView::parse(as_n()).to_int64()) return *v;
  throw FormatError("number is not an integer that fits in 64 bits");
}

double AttributeValue::as_double() const { return internal::number_to_double(as_n()); }

bool operator==(const AttributeValue& a, const AttributeValue& b) {
  if (a.type() != b.type()) return false;
  using Type = AttributeValue::Type;
  switch (a.type()) {
    case Type::kSS:
      return same_members(a.as_ss(), b.as_ss());
    case Type::kNS:
      return same_members(a.as_ns(), b.as_ns());
    case Type::kBS:
      return same_members(a.as_bs(), b.as_bs());
    default:
      return a.value_ == b.value_;
  }
}

bool equivalent(const AttributeValue& a, const AttributeValue& b) {
  if (a.type() != b.type()) return false;
  using Type = AttributeValue::Type;
  switch (a.type()) {
    case Type::kN:
      return compare_numbers(a.as_n(), b.as_n()) == 0;
    case Type::kNS:
      return same_numbers(a.as_ns(), b.as_ns());
    case Type::kL: {
      const auto& la = a.as_l();
      const auto& lb = b.as_l();
      return la.size() == lb.size() &&
             std::equal(la.begin(), la.end(), lb.begin(),
                        [](const AttributeValue& x, const AttributeValue& y) {
                          return equivalent(x, y);
                        });
    }
    case Type::kM:
      return equivalent(a.as_m(), b.as_m());
    default:
      return a == b;
  }
}

bool equivalent(const Item& a, const Item& b) {
  if (a.size() != b.size()) return false;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    if (ia->first != ib->first || !equivalent(ia->second, ib->second)) return false;
  }
  return true;
}

void AttributeValue::validate() const {
  switch (type()) {
    case Type::kN:
      validate_number(as_n());
      break;
    case Type::kSS:
      check_string_set(as_ss());
      break;
    case Type::kNS:
      check_number_set(as_ns());
      break;
    case Type::kBS:
      check_binary_set(as_bs());
      break;
    case Type::kM:
      for (const auto& [name, v] : as_m()) v.validate();
      break;
    case Type::kL:
      for (const auto& v : as_l()) v.validate();
      break;
    default:
      break;
  }
}

}  // namespace ddbcrypt
