// `ddbcrypt field encrypt` and `ddbcrypt field decrypt`: one field value per line, through
// FieldEncryptor (model/field_encryption.h) and KMS. The interop tests drive pydynox's format
// through these commands (tests/interop/test_pydynox_interop.py).
//
//   encrypt  stdin: one DynamoDB-JSON value per line ({"S":"123-45-6789"})
//            stdout: the stored text ("ENC:...") per line
//   decrypt  stdin: one stored text per line
//            stdout: the DynamoDB-JSON value per line
//
// The bound format needs the value's place (--table, --attribute, --key); the pydynox format
// ignores it. KMS is reached as the AWS SDKs do (region and endpoint from the environment:
// AWS_REGION, AWS_ENDPOINT_URL_KMS, ...), or through --region / --kms-endpoint.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "ddbcrypt/aws/kms_client.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "ddbcrypt/model/field_encryption.h"

namespace ddbcrypt::cli {
namespace {

struct FieldOptions {
  std::string key_id;
  std::vector<std::string> context;
  std::string format = "bound";
  std::string table;
  std::string attribute;
  std::string key_json;
  std::string region;
  std::string kms_endpoint;
  bool accept_plaintext = false;
};

model::FieldFormat parse_format(const std::string& name) {
  if (name == "bound") return model::FieldFormat::kBound;
  if (name == "pydynox") return model::FieldFormat::kPydynox;
  if (name == "bound-accepting-pydynox") return model::FieldFormat::kBoundAcceptingPydynox;
  throw ConfigError("--format is bound, pydynox or bound-accepting-pydynox");
}

model::EncryptedAttribute field_of(const FieldOptions& o) {
  model::EncryptedAttribute field{.key_id = o.key_id, .format = parse_format(o.format)};
  if (!o.region.empty()) field.region = o.region;
  for (const std::string& entry : o.context) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) throw ConfigError("--context takes NAME=VALUE");
    field.context.insert_or_assign(entry.substr(0, eq), entry.substr(eq + 1));
  }
  if (o.accept_plaintext) field.plaintext_policy = model::PlaintextPolicy::kAcceptDuringMigration;
  return field;
}

void run_field(const FieldOptions& o, bool encrypt) {
  const model::EncryptedAttribute field = field_of(o);
  const Item key = o.key_json.empty() ? Item{} : parse_item_json(o.key_json);
  if (field.format != model::FieldFormat::kPydynox &&
      (o.table.empty() || o.attribute.empty() || key.empty())) {
    throw ConfigError("the bound format binds a value to its place: give --table, --attribute "
                      "and --key (the item's primary key as DynamoDB JSON)");
  }
  aws::ClientConfig config;
  if (!o.region.empty()) config.region = o.region;
  if (!o.kms_endpoint.empty()) config.endpoint_override = o.kms_endpoint;
  auto fields = model::FieldEncryptor::create({.kms = aws::make_kms_client(config)});
  // FieldBinding holds views: the attribute name must outlive it (a ternary of a literal and a
  // std::string would make a temporary).
  const std::string attribute_name = o.attribute.empty() ? std::string("value") : o.attribute;
  const model::FieldBinding where{.model_name = "",
                                  .table_name = o.table,
                                  .attribute_name = attribute_name,
                                  .key = key};
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(std::cin, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    try {
      if (encrypt) {
        std::cout << fields->encrypt(field, where, parse_attribute_value_json(line)).as_s() << '\n';
      } else {
        std::cout << to_json(fields->decrypt(field, where, AttributeValue::S(line))) << '\n';
      }
    } catch (const AwsError&) {
      throw;
    } catch (const EncryptionError& e) {
      throw EncryptionError("line " + std::to_string(line_number) + ": " + e.what());
    } catch (const FormatError& e) {
      throw FormatError("line " + std::to_string(line_number) + ": " + e.what());
    }
    if (!std::cout) throw IoError("cannot write to standard output");
  }
  if (std::cin.bad()) throw IoError("cannot read standard input");
}

void add_field_subcommand(CLI::App& parent, int& exit_code, bool encrypt) {
  auto o = std::make_shared<FieldOptions>();
  CLI::App* cmd = parent.add_subcommand(
      encrypt ? "encrypt" : "decrypt",
      encrypt ? "Encrypt field values: one DynamoDB-JSON value per line on stdin, one ENC: text "
                "per line on stdout"
              : "Decrypt field values: one stored ENC: text per line on stdin, one DynamoDB-JSON "
                "value per line on stdout");
  cmd->add_option("--key-id", o->key_id, "KMS key id, ARN, alias or alias ARN")->required();
  cmd->add_option("--context", o->context, "KMS encryption context entry NAME=VALUE (repeatable)");
  cmd->add_option("--format", o->format, "bound (default), pydynox or bound-accepting-pydynox");
  cmd->add_option("--table", o->table, "Table the value is bound to (bound format)");
  cmd->add_option("--attribute", o->attribute, "Attribute the value is bound to (bound format)");
  cmd->add_option("--key", o->key_json,
                  "Primary key the value is bound to, as DynamoDB JSON (bound format)");
  cmd->add_option("--region", o->region, "KMS region (default: the environment's)");
  cmd->add_option("--kms-endpoint", o->kms_endpoint, "KMS endpoint URL (default: the environment's)");
  if (!encrypt) {
    cmd->add_flag("--accept-plaintext", o->accept_plaintext,
                  "Return values without the ENC: prefix as they are (migration)");
  }
  cmd->callback([o, &exit_code, encrypt] {
    run_field(*o, encrypt);
    exit_code = kExitOk;
  });
}

}  // namespace

void add_field_commands(CLI::App& app, int& exit_code) {
  CLI::App* field = app.add_subcommand(
      "field", "Field encryption (ENC: values, pydynox-compatible or bound) through KMS");
  field->require_subcommand(1);
  add_field_subcommand(*field, exit_code, true);
  add_field_subcommand(*field, exit_code, false);
}

}  // namespace ddbcrypt::cli
