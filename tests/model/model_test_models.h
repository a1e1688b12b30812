// Models shared by the model-layer unit tests (tests/model/*_test.cc): the seed's User in
// each mode and policy, a versioned Account with a sort key and an index, a model holding
// every supported member type (plain and encrypted), and a pydynox-format Profile.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ddbcrypt/model/repository.h"
#include "ddbcrypt/model/schema.h"

namespace ddbcrypt::model::test_models {

inline constexpr const char* kAppKey = "alias/app";

template <EncryptionMode Mode, PlaintextPolicy Policy = PlaintextPolicy::kReject,
          int Tenant = 0>
struct UserAs {
  std::string pk;
  std::string email;
  std::string ssn;
  std::optional<int> age;
  bool operator==(const UserAs&) const = default;
};
using User = UserAs<EncryptionMode::kReadWrite>;
using IngestUser = UserAs<EncryptionMode::kWriteOnly>;
using ReportUser = UserAs<EncryptionMode::kReadOnly>;
using MigratingUser = UserAs<EncryptionMode::kReadWrite, PlaintextPolicy::kAcceptDuringMigration>;
using MigratingReportUser =
    UserAs<EncryptionMode::kReadOnly, PlaintextPolicy::kAcceptDuringMigration>;
// Same table and field, another tenant in the encryption context.
using OtherTenantUser = UserAs<EncryptionMode::kReadWrite, PlaintextPolicy::kReject, 1>;

struct Account {
  std::string owner;
  std::int64_t number = 0;
  std::string status = "open";
  double balance = 0;
  std::set<std::string> flags;  // encrypted set
  std::int64_t version = 0;
  bool operator==(const Account&) const = default;
};

struct Everything {
  std::string pk;
  std::int64_t i64 = 0;
  std::uint32_t u32 = 0;
  double d = 0;
  float f = 0;
  bool flag = false;
  Bytes blob;
  std::set<std::string> ss;
  std::set<int> ns;
  std::set<Bytes> bs;
  std::vector<std::string> list;
  std::map<std::string, int> map;
  std::optional<std::string> opt;
  TimePoint when{};
  TimePoint ttl{};
  AttributeValue raw;
  std::vector<std::optional<int>> holes;
  std::map<std::string, std::vector<double>> nested;
  // Encrypted members of several types.
  std::int64_t e_i64 = 0;
  double e_d = 0;
  bool e_flag = false;
  Bytes e_blob;
  std::set<std::string> e_ss;
  std::vector<int> e_list;
  std::map<std::string, std::string> e_map;
  std::optional<TimePoint> e_when;
  AttributeValue e_raw;
  bool operator==(const Everything&) const = default;
};

struct Profile {
  std::string id;
  std::string secret;  // pydynox format
  std::optional<std::string> note;  // pydynox format, optional
  bool operator==(const Profile&) const = default;
};

}  // namespace ddbcrypt::model::test_models

namespace ddbcrypt::model {

template <EncryptionMode Mode, PlaintextPolicy Policy, int Tenant>
struct ModelTraits<test_models::UserAs<Mode, Policy, Tenant>> {
  static auto schema() {
    using U = test_models::UserAs<Mode, Policy, Tenant>;
    return Schema<U>("users")
        .model_name("User")
        .partition_key("pk", &U::pk)
        .field("email", &U::email)
        .encrypted("ssn", &U::ssn,
                   {.key_id = test_models::kAppKey,
                    .mode = Mode,
                    .context = {{"app", "hr"}, {"tenant", Tenant == 0 ? "acme" : "globex"}},
                    .plaintext_policy = Policy})
        .field("age", &U::age);
  }
};

template <>
struct ModelTraits<test_models::Account> {
  static auto schema() {
    using A = test_models::Account;
    return Schema<A>("accounts")
        .partition_key("owner", &A::owner)
        .sort_key("number", &A::number)
        .field("status", &A::status, {.default_value = "open"})
        .encrypted("balance", &A::balance, {.key_id = test_models::kAppKey})
        .encrypted("flags", &A::flags, {.key_id = test_models::kAppKey})
        .version("version", &A::version)
        .global_index("by_status", "status", "number");
  }
};

template <>
struct ModelTraits<test_models::Everything> {
  static auto schema() {
    using E = test_models::Everything;
    const EncryptedAttribute enc{.key_id = test_models::kAppKey};
    return Schema<E>("everything")
        .partition_key("pk", &E::pk)
        .field("i64", &E::i64)
        .field("count", &E::u32)  // an alias: attribute name != member name
        .field("d", &E::d)
        .field("f", &E::f)
        .field("flag", &E::flag)
        .field("blob", &E::blob)
        .field("ss", &E::ss)
        .field("ns", &E::ns)
        .field("bs", &E::bs)
        .field("list", &E::list)
        .field("map", &E::map)
        .field("opt", &E::opt)
        .field("when", &E::when)
        .field("ttl", &E::ttl, {.time_format = TimeFormat::kEpochSeconds})
        .field("raw", &E::raw)
        .field("holes", &E::holes)
        .field("nested", &E::nested)
        .encrypted("e_i64", &E::e_i64, enc)
        .encrypted("e_d", &E::e_d, enc)
        .encrypted("e_flag", &E::e_flag, enc)
        .encrypted("e_blob", &E::e_blob, enc)
        .encrypted("e_ss", &E::e_ss, enc)
        .encrypted("e_list", &E::e_list, enc)
        .encrypted("e_map", &E::e_map, enc)
        .encrypted("e_when", &E::e_when, enc)
        .encrypted("e_raw", &E::e_raw, enc);
  }
};

template <>
struct ModelTraits<test_models::Profile> {
  static auto schema() {
    using P = test_models::Profile;
    const EncryptedAttribute pydynox{.key_id = test_models::kAppKey, .format = FieldFormat::kPydynox};
    return Schema<P>("profiles")
        .partition_key("id", &P::id)
        .encrypted("secret", &P::secret, pydynox)
        .encrypted("note", &P::note, pydynox);
  }
};

}  // namespace ddbcrypt::model
