#include "ddbcrypt/item/attribute_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "ddbcrypt/error.h"
#include "item/decimal.h"

namespace ddbcrypt {
namespace {

constexpr std::string_view kTypeNames[] = {"S", "N", "B", "SS", "NS", "BS", "M", "L", "BOOL",
                                           "NULL"};

[[noreturn]] void wrong_type(AttributeValue::Type expected, AttributeValue::Type found) {
  throw FormatError("expected " + std::string(type_name(expected)) + ", found " +
                    std::string(type_name(found)));
}

template <class T>
bool same_members(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  std::vector<const T*> pa, pb;
  for (const auto& x : a) pa.push_back(&x);
  for (const auto& x : b) pb.push_back(&x);
  auto less = [](const T* x, const T* y) { return *x < *y; };
  std::sort(pa.begin(), pa.end(), less);
  std::sort(pb.begin(), pb.end(), less);
  for (std::size_t i = 0; i < pa.size(); ++i) {
    if (!(*pa[i] == *pb[i])) return false;
  }
  return true;
}

bool same_numbers(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  std::vector<internal::Decimal> da, db;
  for (const auto& x : a) da.push_back(internal::Decimal::parse(x));
  for (const auto& x : b) db.push_back(internal::Decimal::parse(x));
  std::sort(da.begin(), da.end());
  std::sort(db.begin(), db.end());
  return da == db;
}

void check_set_members_unique_strings(const std::vector<std::string>& members, const char* type) {
  if (members.empty()) throw FormatError(std::string("an ") + type + " set must not be empty");
  std::set<std::string_view> seen;
  for (const auto& m : members) {
    if (!seen.insert(m).second) {
      throw FormatError(std::string("an ") + type + " set must not contain duplicates");
    }
  }
}

void check_number_set(const std::vector<std::string>& members) {
  if (members.empty()) throw FormatError("an NS set must not be empty");
  std::vector<internal::Decimal> values;
  values.reserve(members.size());
  for (const auto& m : members) values.push_back(internal::Decimal::parse_dynamodb(m));
  std::sort(values.begin(), values.end());
  if (std::adjacent_find(values.begin(), values.end()) != values.end()) {
    throw FormatError("an NS set must not contain duplicates");
  }
}

void check_binary_set(const std::vector<Bytes>& members) {
  if (members.empty()) throw FormatError("a BS set must not be empty");
  std::set<Bytes> seen;
  for (const auto& m : members) {
    if (!seen.insert(m).second) throw FormatError("a BS set must not contain duplicates");
  }
}

}  // namespace

std::string_view type_name(AttributeValue::Type type) noexcept {
  const auto i = static_cast<std::size_t>(type);
  return i < std::size(kTypeNames) ? kTypeNames[i] : std::string_view("?");
}

void validate_number(std::string_view text) { (void)internal::Decimal::parse_dynamodb(text); }

int compare_numbers(std::string_view a, std::string_view b) {
  const auto da = internal::Decimal::parse(a);
  const auto db = internal::Decimal::parse(b);
  return da < db ? -1 : (db < da ? 1 : 0);
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
  check_set_members_unique_strings(members, "SS");
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

AttributeValue AttributeValue::N(std::int64_t value) {
  return AttributeValue(std::in_place_type<NumberText>, NumberText{std::to_string(value)});
}

AttributeValue AttributeValue::N(double value) {
  if (!std::isfinite(value)) throw FormatError("NaN and infinity are not DynamoDB numbers");
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return N(std::string(buffer, result.ptr));
}

AttributeValue AttributeValue::unchecked_set(Type set_type, std::vector<std::string> members) {
  if (set_type == Type::kSS) {
    return AttributeValue(std::in_place_type<std::vector<std::string>>, std::move(members));
  }
  if (set_type == Type::kNS) {
    for (const auto& m : members) validate_number(m);
    return AttributeValue(std::in_place_type<NumberSet>, NumberSet{std::move(members)});
  }
  throw ConfigError("unchecked_set takes SS or NS");
}

AttributeValue AttributeValue::unchecked_binary_set(std::vector<Bytes> members) {
  return AttributeValue(std::in_place_type<std::vector<Bytes>>, std::move(members));
}

const std::string& AttributeValue::as_s() const {
  if (auto* v = std::get_if<std::string>(&value_)) return *v;
  wrong_type(Type::kS, type());
}
const std::string& AttributeValue::as_n() const {
  if (auto* v = std::get_if<NumberText>(&value_)) return v->text;
  wrong_type(Type::kN, type());
}
const Bytes& AttributeValue::as_b() const {
  if (auto* v = std::get_if<Bytes>(&value_)) return *v;
  wrong_type(Type::kB, type());
}
const std::vector<std::string>& AttributeValue::as_ss() const {
  if (auto* v = std::get_if<std::vector<std::string>>(&value_)) return *v;
  wrong_type(Type::kSS, type());
}
const std::vector<std::string>& AttributeValue::as_ns() const {
  if (auto* v = std::get_if<NumberSet>(&value_)) return v->members;
  wrong_type(Type::kNS, type());
}
const std::vector<Bytes>& AttributeValue::as_bs() const {
  if (auto* v = std::get_if<std::vector<Bytes>>(&value_)) return *v;
  wrong_type(Type::kBS, type());
}
const AttributeValue::Map& AttributeValue::as_m() const {
  if (auto* v = std::get_if<Map>(&value_)) return *v;
  wrong_type(Type::kM, type());
}
const AttributeValue::List& AttributeValue::as_l() const {
  if (auto* v = std::get_if<List>(&value_)) return *v;
  wrong_type(Type::kL, type());
}
bool AttributeValue::as_bool() const {
  if (auto* v = std::get_if<bool>(&value_)) return *v;
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
  const std::string& text = as_n();
  std::int64_t out = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec == std::errc() && ptr == text.data() + text.size()) return out;
  // Spellings such as "1E+2" or "5.0" that are integral.
  const auto d = internal::Decimal::parse(text);
  if (auto v = d.to_int64()) return *v;
  throw FormatError("number is not an integer that fits in 64 bits");
}

double AttributeValue::as_double() const {
  const std::string& text = as_n();
  double out = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw FormatError("number is not representable as a double");
  }
  return out;
}

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
      if (la.size() != lb.size()) return false;
      for (std::size_t i = 0; i < la.size(); ++i) {
        if (!equivalent(la[i], lb[i])) return false;
      }
      return true;
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
      (void)internal::Decimal::parse_dynamodb(as_n());
      break;
    case Type::kSS:
      check_set_members_unique_strings(as_ss(), "SS");
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
