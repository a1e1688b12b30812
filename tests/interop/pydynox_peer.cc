// pydynox_peer: the C++ side of the model-level pydynox interop test
// (tests/interop/test_pydynox_interop.py). It saves and loads a `User` through
// model::Repository with the ssn in pydynox's format, against the DynamoDB and KMS endpoints
// in the environment (DDBCRYPT_TEST_DYNAMODB_ENDPOINT / DDBCRYPT_TEST_KMS_ENDPOINT, or the
// AWS_ENDPOINT_URL_* variables the clients read themselves).
//
//   pydynox_peer save --table T --key-id K [--context NAME=VALUE]... PK EMAIL SSN
//   pydynox_peer load --table T --key-id K [--context NAME=VALUE]... PK
//       prints {"pk":...,"email":...,"ssn":...} (DynamoDB JSON of the decrypted item)
//
// Exit status: 0 done, 1 an error (its message on stderr), 2 bad arguments, 3 no such item.
// The key id and context come from the command line, so the schema reads them from a
// configuration object set before the first Repository is made (a pattern for services that
// take their key ids from configuration).
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "ddbcrypt/ddbcrypt.h"

namespace {

namespace model = ddbcrypt::model;

struct User {
  std::string pk;
  std::string email;
  std::string ssn;
};

struct PeerConfig {
  std::string key_id;
  ddbcrypt::aws::KmsEncryptionContext context;
};

PeerConfig& config() {
  static PeerConfig c;
  return c;
}

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

int usage() {
  std::cerr << "usage: pydynox_peer save|load --table T --key-id K [--context NAME=VALUE]... "
               "PK [EMAIL SSN]\n";
  return 2;
}

}  // namespace

template <>
struct ddbcrypt::model::ModelTraits<User> {
  static auto schema() {
    return Schema<User>("users")
        .partition_key("pk", &User::pk)
        .field("email", &User::email)
        .encrypted("ssn", &User::ssn,
                   {.key_id = config().key_id,
                    .context = config().context,
                    .format = FieldFormat::kPydynox});
  }
};

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string verb = argv[1];
  std::string table;
  std::vector<std::string> positional;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--table" || arg == "--key-id" || arg == "--context") && i + 1 < argc) {
      const std::string value = argv[++i];
      if (arg == "--table") {
        table = value;
      } else if (arg == "--key-id") {
        config().key_id = value;
      } else {
        const auto eq = value.find('=');
        if (eq == std::string::npos || eq == 0) return usage();
        config().context[value.substr(0, eq)] = value.substr(eq + 1);
      }
    } else {
      positional.push_back(arg);
    }
  }
  if (table.empty() || config().key_id.empty()) return usage();
  if (!(verb == "save" && positional.size() == 3) && !(verb == "load" && positional.size() == 1)) {
    return usage();
  }
  try {
    namespace aws = ddbcrypt::aws;
    aws::ClientConfig ddb_config;
    ddb_config.endpoint_override = env("DDBCRYPT_TEST_DYNAMODB_ENDPOINT");
    aws::ClientConfig kms_config;
    kms_config.endpoint_override = env("DDBCRYPT_TEST_KMS_ENDPOINT");
    std::shared_ptr<model::FieldEncryptor> fields =
        model::FieldEncryptor::create({.kms = aws::make_kms_client(kms_config)});
    model::Repository<User> users(
        {.dynamodb = aws::make_dynamodb_client(ddb_config), .fields = fields, .table_name = table});
    if (verb == "save") {
      users.save(User{.pk = positional[0], .email = positional[1], .ssn = positional[2]});
      return 0;
    }
    auto loaded = users.get(positional[0], {.consistency = model::ReadConsistency::kStrong});
    if (!loaded) return 3;
    const User& u = loaded->value();
    std::cout << ddbcrypt::to_json(ddbcrypt::Item{{"pk", ddbcrypt::AttributeValue::S(u.pk)},
                                                  {"email", ddbcrypt::AttributeValue::S(u.email)},
                                                  {"ssn", ddbcrypt::AttributeValue::S(u.ssn)}})
              << "\n";
    return 0;
  } catch (const ddbcrypt::Error& e) {
    std::cerr << "pydynox_peer: " << e.what() << "\n";
    return 1;
  }
}
