#include "model/field_value_codec.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "ddbcrypt/error.h"
#include "item/decimal.h"

namespace ddbcrypt::internal {
namespace {

using Type = AttributeValue::Type;

void put_u32(Bytes& out, std::size_t value) {
  if (value > 0xFFFFFFFFu) throw EncryptionError("value too large to encode");
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>((value >> shift) & 0xFF));
  }
}

void put_blob(Bytes& out, ByteView bytes) {
  put_u32(out, bytes.size());
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void put_tag(Bytes& out, FieldValueTag tag) { out.push_back(static_cast<std::uint8_t>(tag)); }

// Set members in byte order: equal sets encode equally whatever order they were built in.
template <class Member>
std::vector<const Member*> sorted_members(const std::vector<Member>& members) {
  std::vector<const Member*> sorted;
  sorted.reserve(members.size());
  for (const Member& m : members) sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(),
            [](const Member* a, const Member* b) { return *a < *b; });
  return sorted;
}

ByteView view_of(const std::string& s) { return as_bytes(s); }
ByteView view_of(const Bytes& b) { return b; }

template <class Member>
void put_set(Bytes& out, FieldValueTag tag, const std::vector<Member>& members) {
  put_tag(out, tag);
  put_u32(out, members.size());
  for (const Member* m : sorted_members(members)) put_blob(out, view_of(*m));
}

void encode_into(Bytes& out, const AttributeValue& value, std::size_t depth) {
  if (depth > kMaxValueDepth) {
    throw EncryptionError("value is nested deeper than " + std::to_string(kMaxValueDepth) +
                          " levels");
  }
  switch (value.type()) {
    case Type::kS:
      put_tag(out, FieldValueTag::kS);
      put_blob(out, as_bytes(value.as_s()));
      return;
    case Type::kN:
      put_tag(out, FieldValueTag::kN);
      put_blob(out, as_bytes(value.as_n()));
      return;
    case Type::kB:
      put_tag(out, FieldValueTag::kB);
      put_blob(out, value.as_b());
      return;
    case Type::kSS:
      put_set(out, FieldValueTag::kSS, value.as_ss());
      return;
    case Type::kNS:
      put_set(out, FieldValueTag::kNS, value.as_ns());
      return;
    case Type::kBS:
      put_set(out, FieldValueTag::kBS, value.as_bs());
      return;
    case Type::kM:
      put_tag(out, FieldValueTag::kM);
      put_u32(out, value.as_m().size());
      for (const auto& [name, member] : value.as_m()) {  // std::map: byte order of names
        put_blob(out, as_bytes(name));
        encode_into(out, member, depth + 1);
      }
      return;
    case Type::kL:
      put_tag(out, FieldValueTag::kL);
      put_u32(out, value.as_l().size());
      for (const AttributeValue& element : value.as_l()) encode_into(out, element, depth + 1);
      return;
    case Type::kBool:
      put_tag(out, FieldValueTag::kBool);
      out.push_back(value.as_bool() ? 1 : 0);
      return;
    case Type::kNull:
      put_tag(out, FieldValueTag::kNull);
      return;
  }
  throw EncryptionError("unknown attribute value type");
}

class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}

  bool at_end() const noexcept { return pos_ == in_.size(); }

  std::uint8_t byte() {
    need(1);
    return in_[pos_++];
  }
  std::size_t u32() {
    need(4);
    std::size_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | in_[pos_++];
    return v;
  }
  ByteView blob() {
    const std::size_t size = u32();
    need(size);
    const ByteView out = in_.subspan(pos_, size);
    pos_ += size;
    return out;
  }
  std::string text() {
    const ByteView b = blob();
    return std::string(b.begin(), b.end());
  }
  // A count of items that each take at least `min_item_size` bytes: bounds allocations by
  // the input size, so a forged count cannot reserve gigabytes.
  std::size_t count(std::size_t min_item_size) {
    const std::size_t n = u32();
    if (n > (in_.size() - pos_) / min_item_size) fail("count exceeds the remaining bytes");
    return n;
  }

  [[noreturn]] static void fail(const std::string& what) {
    throw EncryptionError("Invalid value encoding: " + what);
  }

 private:
  void need(std::size_t n) const {
    if (in_.size() - pos_ < n) fail("truncated");
  }
  ByteView in_;
  std::size_t pos_ = 0;
};

template <class Member>
void require_ascending(const std::vector<Member>& members) {
  for (std::size_t i = 1; i < members.size(); ++i) {
    if (!(members[i - 1] < members[i])) Reader::fail("set members out of order or repeated");
  }
}

AttributeValue decode_from(Reader& in, std::size_t depth) {
  if (depth > kMaxValueDepth) Reader::fail("nested too deeply");
  const auto tag = static_cast<FieldValueTag>(in.byte());
  switch (tag) {
    case FieldValueTag::kS:
      return AttributeValue::S(in.text());
    case FieldValueTag::kN:
      return AttributeValue::N(in.text());
    case FieldValueTag::kB: {
      const ByteView b = in.blob();
      return AttributeValue::B(Bytes(b.begin(), b.end()));
    }
    case FieldValueTag::kSS:
    case FieldValueTag::kNS: {
      const std::size_t n = in.count(4);
      if (n == 0) Reader::fail("empty set");
      std::vector<std::string> members;
      members.reserve(n);
      for (std::size_t i = 0; i < n; ++i) members.push_back(in.text());
      require_ascending(members);
      return tag == FieldValueTag::kSS ? AttributeValue::SS(std::move(members))
                                       : AttributeValue::NS(std::move(members));
    }
    case FieldValueTag::kBS: {
      const std::size_t n = in.count(4);
      if (n == 0) Reader::fail("empty set");
      std::vector<Bytes> members;
      members.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        const ByteView b = in.blob();
        members.emplace_back(b.begin(), b.end());
      }
      require_ascending(members);
      return AttributeValue::BS(std::move(members));
    }
    case FieldValueTag::kM: {
      const std::size_t n = in.count(5);
      AttributeValue::Map entries;
      const std::string* previous = nullptr;
      for (std::size_t i = 0; i < n; ++i) {
        std::string name = in.text();
        if (previous != nullptr && !(*previous < name)) {
          Reader::fail("map names out of order or repeated");
        }
        auto [it, inserted] = entries.emplace(std::move(name), decode_from(in, depth + 1));
        previous = &it->first;
      }
      return AttributeValue::M(std::move(entries));
    }
    case FieldValueTag::kL: {
      const std::size_t n = in.count(1);
      AttributeValue::List elements;
      elements.reserve(n);
      for (std::size_t i = 0; i < n; ++i) elements.push_back(decode_from(in, depth + 1));
      return AttributeValue::L(std::move(elements));
    }
    case FieldValueTag::kBool: {
      const std::uint8_t b = in.byte();
      if (b > 1) Reader::fail("BOOL byte is not 0 or 1");
      return AttributeValue::Bool(b == 1);
    }
    case FieldValueTag::kNull:
      return AttributeValue::Null();
  }
  Reader::fail("unknown type tag " + std::to_string(static_cast<int>(tag)));
}

}  // namespace

Bytes encode_value(const AttributeValue& value) {
  try {
    value.validate();
  } catch (const FormatError& e) {
    throw EncryptionError(std::string("value is not a valid DynamoDB value: ") + e.what());
  }
  Bytes out;
  encode_into(out, value, 1);
  return out;
}

AttributeValue decode_value(ByteView encoded) {
  Reader in(encoded);
  try {
    AttributeValue value = decode_from(in, 1);
    if (!in.at_end()) Reader::fail("trailing bytes");
    return value;
  } catch (const FormatError& e) {
    // Invalid numbers, or sets DynamoDB would refuse, as reported by the item layer.
    Reader::fail(e.what());
  }
}

std::string canonical_number(std::string_view text) {
  const Decimal d = Decimal::parse_dynamodb(text);
  if (d.is_zero()) return "0";
  std::string out = d.negative() ? "-" : "";
  out += d.digits();
  out += 'E';
  out += std::to_string(d.exponent());
  return out;
}

Bytes encode_binding(std::string_view table_name, std::string_view attribute_name,
                     const Item& key) {
  if (table_name.empty()) throw ConfigError("field binding needs the table name");
  if (attribute_name.empty()) throw ConfigError("field binding needs the attribute name");
  if (key.empty() || key.size() > 2) {
    throw ConfigError("field binding of '" + std::string(attribute_name) +
                      "' needs the item's primary key (partition key and optional sort key), "
                      "got " + std::to_string(key.size()) + " attributes");
  }
  Bytes out;
  put_blob(out, as_bytes(table_name));
  put_blob(out, as_bytes(attribute_name));
  out.push_back(static_cast<std::uint8_t>(key.size()));
  for (const auto& [name, value] : key) {  // Item is ordered by name bytes
    if (name.empty()) throw ConfigError("field binding key has an empty attribute name");
    put_blob(out, as_bytes(name));
    switch (value.type()) {
      case Type::kS:
        put_tag(out, FieldValueTag::kS);
        put_blob(out, as_bytes(value.as_s()));
        break;
      case Type::kN:
        put_tag(out, FieldValueTag::kN);
        put_blob(out, as_bytes(canonical_number(value.as_n())));
        break;
      case Type::kB:
        put_tag(out, FieldValueTag::kB);
        put_blob(out, value.as_b());
        break;
      default:
        throw ConfigError("field binding key attribute '" + name + "' has type " +
                          std::string(type_name(value.type())) + "; keys are S, N or B");
    }
  }
  return out;
}

}  // namespace ddbcrypt::internal
