#include "legacy/attribute_serialization.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/ssl_util.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::internal::legacy {
namespace {

using Type = AttributeValue::Type;

struct BytesSink {
  Bytes& out;
  void put(const std::uint8_t* data, std::size_t size) { out.insert(out.end(), data, data + size); }
};

struct HashSink {
  EVP_MD_CTX* ctx;
  void put(const std::uint8_t* data, std::size_t size) {
    if (size != 0 && EVP_DigestUpdate(ctx, data, size) != 1) {
      throw_openssl_error<EncryptionError>("SHA-256 failed");
    }
  }
};

std::uint32_t checked_u32(std::size_t n) {
  if (n > std::numeric_limits<std::uint32_t>::max()) {
    throw FormatError("value too large for the legacy serialization (over 4 GiB)");
  }
  return static_cast<std::uint32_t>(n);
}

template <class Sink>
class Writer {
 public:
  Writer(Sink& sink, NumberDialect dialect) : sink_(sink), dialect_(dialect) {}

  void value(const AttributeValue& v) {
    switch (v.type()) {
      case Type::kS:
        tag(kTagString);
        text(v.as_s());
        break;
      case Type::kN:
        tag(kTagNumber);
        number(v.as_n());
        break;
      case Type::kB:
        tag(kTagBinary);
        bytes(v.as_b());
        break;
      case Type::kSS:
        tag(kTagStringSet);
        string_set(v.as_ss());
        break;
      case Type::kNS:
        tag(kTagNumberSet);
        number_set(v.as_ns());
        break;
      case Type::kBS:
        tag(kTagBinarySet);
        binary_set(v.as_bs());
        break;
      case Type::kM:
        tag(kTagMap);
        u32(checked_u32(v.as_m().size()));
        // AttributeValue::Map orders keys by their UTF-8 bytes, the canonical order.
        for (const auto& [key, entry] : v.as_m()) {
          tag(kTagString);
          text(key);
          value(entry);
        }
        break;
      case Type::kL:
        tag(kTagList);
        u32(checked_u32(v.as_l().size()));
        for (const auto& element : v.as_l()) value(element);
        break;
      case Type::kBool: {
        tag(kTagBool);
        const std::uint8_t b = v.as_bool() ? kBoolTrue : kBoolFalse;
        sink_.put(&b, 1);
        break;
      }
      case Type::kNull:
        tag(kTagNull);
        break;
    }
  }

 private:
  void tag(std::uint8_t letter) {
    const std::uint8_t t[2] = {kTagReserved, letter};
    sink_.put(t, 2);
  }
  void u32(std::uint32_t n) {
    const std::uint8_t b[4] = {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                               static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
    sink_.put(b, 4);
  }
  void text(std::string_view s) {
    u32(checked_u32(s.size()));
    sink_.put(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  }
  void bytes(ByteView b) {
    u32(checked_u32(b.size()));
    sink_.put(b.data(), b.size());
  }
  void number(std::string_view n) {
    scratch_.clear();
    append_normalized_number(scratch_, n, dialect_);
    text(scratch_);
  }
  void string_set(const std::vector<std::string>& members) {
    std::vector<std::string_view> sorted(members.begin(), members.end());
    // std::string_view compares like memcmp: unsigned bytes, i.e. UTF-8 / code point order.
    std::sort(sorted.begin(), sorted.end());
    u32(checked_u32(sorted.size()));
    for (std::string_view m : sorted) text(m);
  }
  void number_set(const std::vector<std::string>& members) {
    // Sorted as normalized ASCII text, not numerically (spec §5.2).
    std::vector<std::string> normalized;
    normalized.reserve(members.size());
    for (const auto& m : members) normalized.push_back(normalize_number(m, dialect_));
    std::sort(normalized.begin(), normalized.end());
    u32(checked_u32(normalized.size()));
    for (const auto& m : normalized) text(m);
  }
  void binary_set(const std::vector<Bytes>& members) {
    std::vector<const Bytes*> sorted;
    sorted.reserve(members.size());
    for (const auto& m : members) sorted.push_back(&m);
    // std::vector<std::uint8_t> compares lexicographically as unsigned bytes (Python's order;
    // Java compares signed bytes, spec §14 D7).
    std::sort(sorted.begin(), sorted.end(), [](const Bytes* a, const Bytes* b) { return *a < *b; });
    u32(checked_u32(sorted.size()));
    for (const Bytes* m : sorted) bytes(*m);
  }

  Sink& sink_;
  NumberDialect dialect_;
  std::string scratch_;
};

class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}

  AttributeValue value(int depth) {
    if (depth > kMaxNestingDepth) throw FormatError("serialized attribute nested too deeply");
    const auto t = take(2, "a type tag");
    if (t[0] != kTagReserved) throw FormatError("serialized attribute has an invalid type tag");
    switch (t[1]) {
      case kTagString:
        return AttributeValue::S(text());
      case kTagNumber:
        return AttributeValue::N(text());
      case kTagBinary:
        return AttributeValue::B(bytes());
      case kTagStringSet: {
        const std::uint32_t count = u32();
        std::vector<std::string> members;
        members.reserve(bounded_reserve(count));
        for (std::uint32_t i = 0; i < count; ++i) members.push_back(text());
        return AttributeValue::unchecked_set(Type::kSS, std::move(members));
      }
      case kTagNumberSet: {
        const std::uint32_t count = u32();
        std::vector<std::string> members;
        members.reserve(bounded_reserve(count));
        for (std::uint32_t i = 0; i < count; ++i) members.push_back(text());
        return AttributeValue::unchecked_set(Type::kNS, std::move(members));
      }
      case kTagBinarySet: {
        const std::uint32_t count = u32();
        std::vector<Bytes> members;
        members.reserve(bounded_reserve(count));
        for (std::uint32_t i = 0; i < count; ++i) members.push_back(bytes());
        return AttributeValue::unchecked_binary_set(std::move(members));
      }
      case kTagList: {
        const std::uint32_t count = u32();
        AttributeValue::List elements;
        elements.reserve(bounded_reserve(count));
        for (std::uint32_t i = 0; i < count; ++i) elements.push_back(value(depth + 1));
        return AttributeValue::L(std::move(elements));
      }
      case kTagMap: {
        const std::uint32_t count = u32();
        AttributeValue::Map entries;
        for (std::uint32_t i = 0; i < count; ++i) {
          AttributeValue key = value(depth + 1);
          if (!key.is(Type::kS)) throw FormatError("serialized map has a key that is not S");
          // Duplicate keys: the last one wins, as in both reference libraries.
          entries.insert_or_assign(key.as_s(), value(depth + 1));
        }
        return AttributeValue::M(std::move(entries));
      }
      case kTagBool: {
        const auto b = take(1, "a BOOL value");
        if (b[0] == kBoolTrue) return AttributeValue::Bool(true);
        if (b[0] == kBoolFalse) return AttributeValue::Bool(false);
        throw FormatError("serialized BOOL is neither 00 nor 01");
      }
      case kTagNull:
        return AttributeValue::Null();
      default:
        throw FormatError("serialized attribute has an unknown type tag");
    }
  }

  bool at_end() const noexcept { return pos_ == data_.size(); }

 private:
  ByteView take(std::size_t n, const char* what) {
    if (data_.size() - pos_ < n) {
      throw FormatError(std::string("serialized attribute is truncated (expected ") + what + ")");
    }
    const ByteView out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  std::uint32_t u32() {
    const auto b = take(4, "a length or count");
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
           std::uint32_t{b[3]};
  }
  std::string text() {
    const auto b = take(u32(), "string bytes");
    return std::string(b.begin(), b.end());
  }
  Bytes bytes() {
    const auto b = take(u32(), "binary bytes");
    return Bytes(b.begin(), b.end());
  }
  // A count comes from the input: never reserve more than the remaining bytes could hold.
  std::size_t bounded_reserve(std::uint32_t count) const noexcept {
    return std::min<std::size_t>(count, data_.size() - pos_);
  }

  ByteView data_;
  std::size_t pos_ = 0;
};

bool sensitive(const AttributeValue& v) {
  switch (v.type()) {
    case Type::kN:
      return is_dialect_sensitive(v.as_n());
    case Type::kNS:
      return std::any_of(v.as_ns().begin(), v.as_ns().end(),
                         [](const std::string& m) { return is_dialect_sensitive(m); });
    case Type::kM:
      return std::any_of(v.as_m().begin(), v.as_m().end(),
                         [](const auto& entry) { return sensitive(entry.second); });
    case Type::kL:
      return std::any_of(v.as_l().begin(), v.as_l().end(), sensitive);
    default:
      return false;
  }
}

}  // namespace

void serialize_attribute(const AttributeValue& value, Bytes& out, NumberDialect dialect) {
  BytesSink sink{out};
  Writer<BytesSink>(sink, dialect).value(value);
}

Bytes serialize_attribute(const AttributeValue& value, NumberDialect dialect) {
  Bytes out;
  serialize_attribute(value, out, dialect);
  return out;
}

Sha256Digest hash_serialized_attribute(const AttributeValue& value, NumberDialect dialect) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) throw_openssl_error<EncryptionError>("cannot allocate a digest context");
  return hash_serialized_attribute(value, dialect, ctx.get());
}

Sha256Digest hash_serialized_attribute(const AttributeValue& value, NumberDialect dialect,
                                       EVP_MD_CTX* ctx) {
  if (EVP_DigestInit_ex(ctx, md_for(HashAlgorithm::kSha256), nullptr) != 1) {
    throw_openssl_error<EncryptionError>("SHA-256 failed");
  }
  HashSink sink{ctx};
  Writer<HashSink>(sink, dialect).value(value);
  Sha256Digest digest{};
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(ctx, digest.data(), &size) != 1 || size != digest.size()) {
    throw_openssl_error<EncryptionError>("SHA-256 failed");
  }
  return digest;
}

AttributeValue deserialize_attribute(ByteView data) {
  if (data.empty()) throw FormatError("serialized attribute is empty");
  Reader reader(data);
  AttributeValue value = reader.value(0);
  if (!reader.at_end()) throw FormatError("serialized attribute has trailing bytes");
  return value;
}

bool contains_dialect_sensitive_number(const AttributeValue& value) { return sensitive(value); }

}  // namespace ddbcrypt::internal::legacy
