// Model schemas: how a plain C++ struct maps to the items of a DynamoDB table.
//
// A model is any default-constructible, copyable struct. Its schema names the table, the key
// members, and every member that is stored, with its attribute name (which may differ from the
// member's: an alias), an optional default, and, for encrypted members, the field's
// EncryptedAttribute (field_encryption.h). The schema is declared once per type by
// specializing ModelTraits:
//
//   struct User {
//     std::string pk;
//     std::string email;
//     std::string ssn;
//     std::optional<int> age;
//     std::string plan = "free";
//     std::set<std::string> tags;
//     model::TimePoint created_at;
//     std::int64_t version = 0;
//   };
//
//   template <>
//   struct ddbcrypt::model::ModelTraits<User> {
//     static auto schema() {
//       return model::Schema<User>("users")
//           .partition_key("pk", &User::pk)
//           .field("email", &User::email)
//           .encrypted("ssn", &User::ssn, {.key_id = "alias/app", .context = {{"app", "hr"}}})
//           .field("age", &User::age)
//           .field("plan", &User::plan, {.default_value = "free"})
//           .field("tags", &User::tags)
//           .field("createdAt", &User::created_at, {.time_format = model::TimeFormat::kIso8601})
//           .version("version", &User::version)
//           .global_index("by_email", "email");
//     }
//   };
//
// What is checked when the program is compiled:
//  * every member type has a DynamoDB mapping (attribute_codec.h);
//  * key members are strings, numbers, Bytes or time points (DynamoDB keys are S, N or B),
//    at most one partition and one sort key are declared, and Repository<T> refuses a schema
//    without a partition key;
//  * a version member is an integer; `time_format` exists only for time point members;
//  * a default has the member's type.
// What is checked when a Repository is made (ConfigError): names are non-empty and unique, no
// member is declared twice, encrypted fields have a key id and, in the pydynox format, are
// strings; index keys name declared, unencrypted, scalar attributes.
//
// Loading an item: an attribute the item lacks leaves an std::optional empty and a set
// empty, gives a member with a default its default, and is an error (FormatError) for any
// other member. Saving: an empty optional or set is left out of the item.
//
// Thread-safety: a schema is an immutable value once built; Repository reads it from any
// thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/attribute_value.h"
#include "ddbcrypt/model/attribute_codec.h"
#include "ddbcrypt/model/field_encryption.h"

namespace ddbcrypt::model {

// Specialize for each model type with `static auto schema()` returning a Schema<T, ...>.
template <class T>
struct ModelTraits;

// Marks a schema without a (partition or sort) key.
struct NoKey {
  bool operator==(const NoKey&) const = default;
};

// Options of a plain field. `default_value` is what a load gives the member when the item
// lacks the attribute.
template <class M>
struct FieldOptions {
  std::optional<M> default_value;
};
template <class M>
  requires detail::kIsTimeMember<M>
struct FieldOptions<M> {
  std::optional<M> default_value;
  TimeFormat time_format = TimeFormat::kIso8601;
};

// Options of a key field (only time point keys have any).
template <class M>
struct KeyOptions {};
template <class M>
  requires detail::kIsTimePoint<M>
struct KeyOptions<M> {
  TimeFormat time_format = TimeFormat::kIso8601;
};

namespace detail {

// The model name used in messages when the schema sets none: the demangled type name.
std::string demangled_type_name(const std::type_info& type);

enum class FieldRole : std::uint8_t {
  kPartitionKey = 0,
  kSortKey = 1,
  kAttribute = 2,
  kEncrypted = 3,
  kVersion = 4,
};

enum class IndexKind : std::uint8_t { kGlobal = 0, kLocal = 1 };

struct IndexSpec {
  std::string name;
  IndexKind kind = IndexKind::kGlobal;
  std::string partition_key;  // for a local index: the table's partition key
  std::optional<std::string> sort_key;
};

// How a member of T is read from and written to an object.
template <class T>
class FieldAccess {
 public:
  virtual ~FieldAccess() = default;
  // The stored form (plaintext), or nullopt when the member holds nothing to store.
  [[nodiscard]] virtual std::optional<AttributeValue> encode(const T& object) const = 0;
  virtual void decode(T& object, const AttributeValue& value) const = 0;
  // For an attribute the item lacks: gives the member its default (or empty optional/set)
  // and returns true; returns false when the member has neither.
  virtual bool fill_absent(T& object) const = 0;
  // Value-initializes the member (the placeholder of a WriteOnly field's kept ciphertext).
  virtual void reset(T& object) const = 0;
  [[nodiscard]] virtual bool equal(const T& a, const T& b) const = 0;
  // True for std::string and std::optional<std::string> members (pydynox's only type).
  [[nodiscard]] virtual bool holds_string() const noexcept = 0;
  // Version members only.
  [[nodiscard]] virtual std::int64_t version(const T&) const { return 0; }
  virtual void set_version(T&, std::int64_t) const {}
  // The type of the member pointer, for lookups by member (Schema::find_field).
  [[nodiscard]] virtual const std::type_info& member_type() const noexcept = 0;
  [[nodiscard]] virtual bool same_member(const FieldAccess& other) const noexcept = 0;
};

template <class M>
constexpr std::optional<aws::ScalarAttributeType> scalar_type_of(TimeFormat time_format) {
  if constexpr (ddbcrypt::detail::IsStdOptional<M>::value) {
    return scalar_type_of<typename M::value_type>(time_format);
  } else if constexpr (std::is_same_v<M, std::string>) {
    return aws::ScalarAttributeType::kS;
  } else if constexpr (std::is_same_v<M, Bytes>) {
    return aws::ScalarAttributeType::kB;
  } else if constexpr (ddbcrypt::detail::kIsNumber<M>) {
    return aws::ScalarAttributeType::kN;
  } else if constexpr (kIsTimePoint<M>) {
    return time_format == TimeFormat::kEpochSeconds ? aws::ScalarAttributeType::kN
                                                    : aws::ScalarAttributeType::kS;
  } else {
    return std::nullopt;
  }
}

template <class T, class M>
class MemberAccess final : public FieldAccess<T> {
 public:
  MemberAccess(M T::*member, std::optional<M> default_value, TimeFormat time_format)
      : member_(member), default_(std::move(default_value)), time_format_(time_format) {}

  std::optional<AttributeValue> encode(const T& object) const override {
    return encode_member(object.*member_, time_format_);
  }
  void decode(T& object, const AttributeValue& value) const override {
    object.*member_ = decode_member<M>(value, time_format_);
  }
  bool fill_absent(T& object) const override {
    if (default_) {
      object.*member_ = *default_;
      return true;
    }
    if constexpr (ddbcrypt::detail::IsStdOptional<M>::value ||
                  ddbcrypt::detail::IsStdSet<M>::value) {
      object.*member_ = M{};
      return true;
    } else {
      return false;
    }
  }
  void reset(T& object) const override { object.*member_ = M{}; }
  bool equal(const T& a, const T& b) const override { return a.*member_ == b.*member_; }
  bool holds_string() const noexcept override {
    return std::is_same_v<M, std::string> || std::is_same_v<M, std::optional<std::string>>;
  }
  std::int64_t version(const T& object) const override {
    if constexpr (std::is_integral_v<M>) {
      return static_cast<std::int64_t>(object.*member_);
    } else {
      return 0;
    }
  }
  void set_version(T& object, std::int64_t v) const override {
    if constexpr (std::is_integral_v<M>) object.*member_ = static_cast<M>(v);
  }
  const std::type_info& member_type() const noexcept override { return typeid(M T::*); }
  bool same_member(const FieldAccess<T>& other) const noexcept override {
    return other.member_type() == typeid(M T::*) &&
           static_cast<const MemberAccess&>(other).member_ == member_;
  }

  M T::*member() const noexcept { return member_; }

 private:
  M T::*member_;
  std::optional<M> default_;
  TimeFormat time_format_;
};

template <class T>
struct FieldSpec {
  std::string name;
  FieldRole role = FieldRole::kAttribute;
  std::optional<EncryptedAttribute> encryption;          // kEncrypted only
  std::optional<aws::ScalarAttributeType> scalar_type;  // S/N/B members
  TimeFormat time_format = TimeFormat::kIso8601;
  std::shared_ptr<const FieldAccess<T>> access;
};

}  // namespace detail

template <class T, class Pk = NoKey, class Sk = NoKey>
class Schema {
  static_assert(std::is_default_constructible_v<T> && std::is_copy_constructible_v<T>,
                "a model type must be default-constructible and copyable");

 public:
  using model_type = T;
  using partition_type = Pk;
  using sort_type = Sk;

  explicit Schema(std::string table_name)
      : table_name_(std::move(table_name)),
        model_name_(detail::demangled_type_name(typeid(T))) {}

  // The name error messages give the model (default: the C++ type's name).
  Schema& model_name(std::string name) {
    model_name_ = std::move(name);
    return *this;
  }

  template <class M>
  [[nodiscard]] Schema<T, M, Sk> partition_key(std::string name, M T::*member,
                                               KeyOptions<M> options = {}) const {
    static_assert(std::is_same_v<Pk, NoKey>, "a schema has one partition key");
    static_assert(detail::kIsKeyValue<M>,
                  "a key member must be std::string, a number, Bytes or a time point "
                  "(DynamoDB keys are S, N or B)");
    Schema<T, M, Sk> next(*this);
    next.template add_key<M>(std::move(name), member, detail::FieldRole::kPartitionKey, options);
    next.partition_index_ = next.fields_.size() - 1;
    return next;
  }

  template <class M>
  [[nodiscard]] Schema<T, Pk, M> sort_key(std::string name, M T::*member,
                                          KeyOptions<M> options = {}) const {
    static_assert(std::is_same_v<Sk, NoKey>, "a schema has at most one sort key");
    static_assert(detail::kIsKeyValue<M>,
                  "a key member must be std::string, a number, Bytes or a time point "
                  "(DynamoDB keys are S, N or B)");
    Schema<T, Pk, M> next(*this);
    next.template add_key<M>(std::move(name), member, detail::FieldRole::kSortKey, options);
    next.sort_index_ = next.fields_.size() - 1;
    return next;
  }

  template <class M>
  Schema& field(std::string name, M T::*member, FieldOptions<M> options = {}) {
    static_assert(detail::kIsModelValue<M>,
                  "no DynamoDB mapping for this member type: use one listed in "
                  "ddbcrypt/model/attribute_codec.h or specialize ddbcrypt::model::AttributeCodec");
    TimeFormat time_format = TimeFormat::kIso8601;
    if constexpr (detail::kIsTimeMember<M>) time_format = options.time_format;
    add(std::move(name), member, detail::FieldRole::kAttribute, std::nullopt,
        std::move(options.default_value), time_format);
    return *this;
  }

  // A member stored encrypted (field_encryption.h). Any member type in the bound format;
  // strings only in the pydynox format.
  template <class M>
  Schema& encrypted(std::string name, M T::*member, EncryptedAttribute encryption) {
    static_assert(detail::kIsModelValue<M>,
                  "no DynamoDB mapping for this member type: use one listed in "
                  "ddbcrypt/model/attribute_codec.h or specialize ddbcrypt::model::AttributeCodec");
    add(std::move(name), member, detail::FieldRole::kEncrypted, std::move(encryption),
        std::nullopt, TimeFormat::kIso8601);
    return *this;
  }

  // The optimistic-locking version (an integer; 0 = never saved). Every save writes the
  // stored version + 1 on condition that the stored version is still the one the object
  // carries; a concurrent writer makes the save fail with a version conflict.
  template <class M>
  Schema& version(std::string name, M T::*member) {
    static_assert(std::is_integral_v<M> && !std::is_same_v<M, bool>,
                  "a version member must be an integer");
    add(std::move(name), member, detail::FieldRole::kVersion, std::nullopt, std::nullopt,
        TimeFormat::kIso8601);
    return *this;
  }

  // Indexes, named by attribute names of declared fields (used by create_table and to check
  // query and scan options).
  Schema& global_index(std::string index_name, std::string partition_key,
                       std::optional<std::string> sort_key = std::nullopt) {
    indexes_.push_back(detail::IndexSpec{.name = std::move(index_name),
                                         .kind = detail::IndexKind::kGlobal,
                                         .partition_key = std::move(partition_key),
                                         .sort_key = std::move(sort_key)});
    return *this;
  }
  Schema& local_index(std::string index_name, std::string sort_key) {
    indexes_.push_back(detail::IndexSpec{.name = std::move(index_name),
                                         .kind = detail::IndexKind::kLocal,
                                         .partition_key = {},
                                         .sort_key = std::move(sort_key)});
    return *this;
  }

  const std::string& table_name() const noexcept { return table_name_; }
  const std::string& model_name() const noexcept { return model_name_; }
  const std::vector<detail::FieldSpec<T>>& fields() const noexcept { return fields_; }
  const std::vector<detail::IndexSpec>& indexes() const noexcept { return indexes_; }
  const detail::FieldSpec<T>& partition_field() const noexcept { return fields_[partition_index_]; }
  const detail::FieldSpec<T>& sort_field() const noexcept { return fields_[sort_index_]; }
  // The version field, or null.
  const detail::FieldSpec<T>* version_field() const noexcept {
    for (const auto& f : fields_) {
      if (f.role == detail::FieldRole::kVersion) return &f;
    }
    return nullptr;
  }

  // The field declared for `member`, or null.
  template <class M>
  const detail::FieldSpec<T>* find_field(M T::*member) const {
    for (const auto& f : fields_) {
      if (f.access->member_type() != typeid(M T::*)) continue;
      const auto* access = static_cast<const detail::MemberAccess<T, M>*>(f.access.get());
      if (access->member() == member) return &f;
    }
    return nullptr;
  }

 private:
  template <class, class, class>
  friend class Schema;

  template <class OtherPk, class OtherSk>
  explicit Schema(const Schema<T, OtherPk, OtherSk>& other)
      : table_name_(other.table_name_),
        model_name_(other.model_name_),
        fields_(other.fields_),
        indexes_(other.indexes_),
        partition_index_(other.partition_index_),
        sort_index_(other.sort_index_) {}

  template <class M>
  void add_key(std::string name, M T::*member, detail::FieldRole role, KeyOptions<M> options) {
    TimeFormat time_format = TimeFormat::kIso8601;
    if constexpr (detail::kIsTimePoint<M>) time_format = options.time_format;
    add(std::move(name), member, role, std::nullopt, std::nullopt, time_format);
  }

  template <class M>
  void add(std::string name, M T::*member, detail::FieldRole role,
           std::optional<EncryptedAttribute> encryption,
           std::optional<std::type_identity_t<M>> default_value, TimeFormat time_format) {
    detail::FieldSpec<T> spec;
    spec.name = std::move(name);
    spec.role = role;
    spec.encryption = std::move(encryption);
    spec.scalar_type = detail::scalar_type_of<M>(time_format);
    spec.time_format = time_format;
    spec.access = std::make_shared<const detail::MemberAccess<T, M>>(
        member, std::move(default_value), time_format);
    fields_.push_back(std::move(spec));
  }

  std::string table_name_;
  std::string model_name_;
  std::vector<detail::FieldSpec<T>> fields_;
  std::vector<detail::IndexSpec> indexes_;
  std::size_t partition_index_ = 0;  // in fields_, once a partition key is declared
  std::size_t sort_index_ = 0;       // in fields_, once a sort key is declared
};

namespace detail {

// The schema of T, built once (ModelTraits<T>::schema()).
template <class T>
const auto& schema_of() {
  static const auto schema = ModelTraits<T>::schema();
  return schema;
}

}  // namespace detail

}  // namespace ddbcrypt::model
