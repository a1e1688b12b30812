// Field encryption with the model layer: pydynox's EncryptedAttribute scenario in C++.
//
// A `User` with a partition key, an email in clear and an encrypted `ssn` is saved, shown as
// DynamoDB stores it (`ENC:...`), and loaded back. Three services share the table, each with
// its own mode for the field — an ingest service that may only encrypt (WriteOnly), a report
// service that may only decrypt (ReadOnly), and an admin service that may do both — and the
// field's KMS encryption context names a tenant, so a reader configured for another tenant
// cannot decrypt.
//
// It talks to DynamoDB and KMS; point it at local stand-ins (it refuses to guess):
//
//   python3 tests/standins/standins.py run -- build/examples/example_field_encryption
//
// or export the endpoints yourself (with a region and credentials; dummy ones for stand-ins):
//
//   export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 AWS_ENDPOINT_URL_KMS=http://127.0.0.1:5000
//   export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x
//   build/examples/example_field_encryption
//
// It creates a KMS key (alias/ddbcrypt-example) and a table of its own, and deletes the table
// at the end.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>

#include "ddbcrypt/ddbcrypt.h"

namespace {

namespace model = ddbcrypt::model;
using ddbcrypt::AttributeValue;
using ddbcrypt::Item;
using model::EncryptionMode;

constexpr const char* kKeyAlias = "alias/ddbcrypt-example";

// The same record as each service declares it. `Mode` is the service's right to the ssn;
// `Tenant` goes into the KMS encryption context of the field.
template <EncryptionMode Mode, const char* Tenant>
struct UserRecord {
  std::string pk;
  std::string email;
  std::string ssn;
};

constexpr char kAcme[] = "acme";
constexpr char kGlobex[] = "globex";

using AdminUser = UserRecord<EncryptionMode::kReadWrite, kAcme>;    // encrypts and decrypts
using IngestUser = UserRecord<EncryptionMode::kWriteOnly, kAcme>;   // encrypts only
using ReportUser = UserRecord<EncryptionMode::kReadOnly, kAcme>;    // decrypts only
using GlobexUser = UserRecord<EncryptionMode::kReadWrite, kGlobex>;  // another tenant

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// The first of the variables that is set.
std::string endpoint(std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (std::string v = env(n); !v.empty()) return v;
  }
  return {};
}

std::string clip(const std::string& s, std::size_t n = 60) {
  return s.size() > n ? s.substr(0, n) + "... (" + std::to_string(s.size()) + " chars)" : s;
}

void show(const std::string& title, const Item& item) {
  std::cout << title << "\n";
  for (const auto& [name, value] : item) {
    std::cout << "    " << name << " = " << clip(ddbcrypt::to_json(value)) << "\n";
  }
}

// The KMS key behind kKeyAlias, made on first use.
void ensure_key(const ddbcrypt::aws::KmsClient& kms) {
  try {
    (void)kms.describe_key(kKeyAlias);
  } catch (const ddbcrypt::KmsError& e) {
    if (e.error_code() != "NotFoundException") throw;
    const auto key = kms.create_key({.description = "ddbcrypt field encryption example"});
    kms.create_alias(kKeyAlias, key.key_id);
  }
}

}  // namespace

template <EncryptionMode Mode, const char* Tenant>
struct ddbcrypt::model::ModelTraits<UserRecord<Mode, Tenant>> {
  static auto schema() {
    using U = UserRecord<Mode, Tenant>;
    return model::Schema<U>("users")
        .model_name("User")
        .partition_key("pk", &U::pk)
        .field("email", &U::email)
        .encrypted("ssn", &U::ssn,
                   {.key_id = kKeyAlias, .mode = Mode, .context = {{"tenant", Tenant}}});
  }
};

int main() {
  const std::string ddb_endpoint = endpoint(
      {"AWS_ENDPOINT_URL_DYNAMODB", "DDBCRYPT_TEST_DYNAMODB_ENDPOINT", "AWS_ENDPOINT_URL"});
  const std::string kms_endpoint =
      endpoint({"AWS_ENDPOINT_URL_KMS", "DDBCRYPT_TEST_KMS_ENDPOINT", "AWS_ENDPOINT_URL"});
  if (ddb_endpoint.empty() || kms_endpoint.empty()) {
    std::cerr
        << "This example needs a DynamoDB and a KMS endpoint, and will not guess one.\n"
           "Start the local stand-ins and run it under them:\n"
           "    python3 tests/standins/standins.py run -- build/examples/example_field_encryption\n"
           "or set AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_KMS (or AWS_ENDPOINT_URL),\n"
           "with AWS_REGION and credentials (dummy ones do for the stand-ins).\n"
        << (ddb_endpoint.empty() ? "  missing: DynamoDB endpoint\n" : "")
        << (kms_endpoint.empty() ? "  missing: KMS endpoint\n" : "");
    return 2;
  }
  try {
    namespace aws = ddbcrypt::aws;
    std::shared_ptr<const aws::DynamoDbClient> ddb =
        aws::make_dynamodb_client({.endpoint_override = ddb_endpoint});
    std::shared_ptr<aws::KmsClient> kms = aws::make_kms_client({.endpoint_override = kms_endpoint});
    ensure_key(*kms);
    std::shared_ptr<model::FieldEncryptor> fields = model::FieldEncryptor::create({.kms = kms});

    // Each service would have its own process and credentials; here they share a client.
    const std::string table = "ddbcrypt-example-users-" + std::to_string(::getpid());
    const model::RepositoryOptions options{.dynamodb = ddb, .fields = fields, .table_name = table};
    model::Repository<AdminUser> admin(options);
    model::Repository<IngestUser> ingest(options);
    model::Repository<ReportUser> report(options);
    model::Repository<GlobexUser> globex(options);
    admin.create_table();
    std::cout << "table " << table << ", KMS key " << kKeyAlias << ", context tenant=acme\n\n";

    // 1. Save, look at what DynamoDB holds, load back.
    AdminUser alice{.pk = "user#1", .email = "alice@example.com", .ssn = "123-45-6789"};
    admin.save(alice);
    std::cout << "1. admin saved user#1\n";
    show("   DynamoDB holds:", ddb->get_item({.table_name = table, .key = admin.key("user#1")}).item.value());
    auto loaded = admin.get("user#1");
    std::cout << "   admin loads ssn = " << loaded->value().ssn << "\n\n";

    // 2. Ingest (WriteOnly): encrypts what it writes, never decrypts.
    ingest.save(IngestUser{.pk = "user#2", .email = "bob@example.com", .ssn = "987-65-4321"});
    auto seen = ingest.get("user#1");
    std::cout << "2. ingest saved user#2; loading user#1 it sees ssn = \"" << seen->value().ssn
              << "\" (ciphertext kept, no KMS Decrypt)\n";
    try {
      (void)ingest.decrypt(*seen, &IngestUser::ssn);
    } catch (const ddbcrypt::EncryptionError& e) {
      std::cout << "   ingest decrypt: " << e.what() << "\n";
    }
    seen->value().email = "alice@example.org";
    ingest.update(*seen);  // the ssn is not touched
    std::cout << "   ingest changed user#1's email; the ssn ciphertext is unchanged\n\n";

    // 3. Report (ReadOnly): decrypts, and never writes a value it would have to encrypt.
    auto bob = report.get("user#2");
    std::cout << "3. report loads user#2: ssn = " << bob->value().ssn << "\n";
    try {
      report.save(ReportUser{.pk = "user#3", .email = "eve@example.com", .ssn = "000-00-0000"});
    } catch (const ddbcrypt::EncryptionError& e) {
      std::cout << "   report save of a new user: " << e.what() << "\n";
    }
    bob->value().email = "bob@example.org";
    report.save(*bob);  // unchanged ssn: its stored ciphertext is written back as it is
    std::cout << "   report saved user#2 with a new email; ssn kept as stored\n\n";

    // 4. Another tenant's context does not open acme's values.
    try {
      (void)globex.get("user#1");
    } catch (const ddbcrypt::EncryptionError& e) {
      std::cout << "4. tenant globex reading user#1: " << e.what() << "\n\n";
    }

    const auto m = fields->metrics();
    std::cout << "KMS calls: GenerateDataKey " << m.generate_data_key.calls << ", Decrypt "
              << m.decrypt.calls << " (data-key caches on)\n";
    admin.delete_table();
    return 0;
  } catch (const ddbcrypt::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
