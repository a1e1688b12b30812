// An encrypted table in one page: write users through an EncryptedTable, look at what DynamoDB
// stores, read a projection back, see a filter on ciphertext refused, and change an encrypted
// attribute with the safe update.
//
//   AWS_ENDPOINT_URL=http://127.0.0.1:8000 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x
//   AWS_SECRET_ACCESS_KEY=y build/examples/example_encrypted_table
//
// (against DynamoDB Local; against AWS, leave AWS_ENDPOINT_URL unset). It creates a table
// named ddbcrypt-example-users and deletes it at the end.
#include <iostream>
#include <memory>
#include <string>

#include "ddbcrypt/ddbcrypt.h"

namespace {

using ddbcrypt::AttributeValue;
using ddbcrypt::CryptoAction;
using ddbcrypt::Item;
using ddbcrypt::to_attribute;

void show(const std::string& title, const Item& item) {
  std::cout << title << "\n";
  for (const auto& [name, value] : item) {
    std::string json = ddbcrypt::to_json(value);
    if (json.size() > 72) json = json.substr(0, 69) + "...";
    std::cout << "  " << name << " = " << json << "\n";
  }
}

}  // namespace

int main() {
  namespace aws = ddbcrypt::aws;
  const std::string name = "ddbcrypt-example-users";
  try {
    std::shared_ptr<aws::DynamoDbClient> ddb = aws::make_dynamodb_client();
    (void)ddb->create_table({.table_name = name,
                             .attribute_definitions = {{"pk", aws::ScalarAttributeType::kS}},
                             .key_schema = {{"pk", aws::KeyType::kHash}},
                             .billing_mode = aws::BillingMode::kPayPerRequest});
    aws::wait_until_table_active(*ddb, name);

    // Envelope keys: a fresh content key per item, wrapped with this AES key.
    ddbcrypt::AesKey wrapping = ddbcrypt::AesKey::create(ddbcrypt::SecretBytes::random(32));
    std::shared_ptr<const ddbcrypt::EncryptedClient> client = ddbcrypt::EncryptedClient::create(
        ddb, {.provider = ddbcrypt::WrappedMaterialsProvider::create(
                  {.wrapping_key = ddbcrypt::WrappingKey::aes(wrapping.clone()),
                   .unwrapping_key = ddbcrypt::UnwrappingKey::aes(std::move(wrapping)),
                   .signing_key = ddbcrypt::SigningKey::hmac(ddbcrypt::HmacKey::create(
                       ddbcrypt::HashAlgorithm::kSha256, ddbcrypt::SecretBytes::random(32)))}),
              .actions = ddbcrypt::AttributeActions::create(
                  CryptoAction::kEncryptAndSign, {{"email", CryptoAction::kSignOnly},
                                                  {"logins", CryptoAction::kDoNothing}})});
    auto users = ddbcrypt::EncryptedTable::create(client, name);

    const Item key{{"pk", to_attribute("user#1")}};
    users->put_item({{"pk", to_attribute("user#1")},
                     {"ssn", to_attribute("123-45-6789")},
                     {"email", to_attribute("ada@example.com")},
                     {"logins", to_attribute(1)}});
    show("stored by DynamoDB:", *ddb->get_item({.table_name = name, .key = key}).item);
    show("read back (projection ssn):",
         *users->get_item(key, {.consistent_read = true, .projection_expression = "ssn"}));

    try {
      ddbcrypt::ItemReader matches =
          users->scan({.filter_expression = "ssn = :s",
                       .expression_attribute_values = {{":s", to_attribute("123-45-6789")}}});
      (void)matches.next();
    } catch (const ddbcrypt::ConfigError& e) {
      std::cout << "refused: " << e.what() << "\n";
    }

    users->safe_update_item(key, [](Item& user) { user["ssn"] = to_attribute("987-65-4321"); });
    show("after the safe update:", *users->get_item(key, {.consistent_read = true}));

    (void)ddb->delete_table({.table_name = name});
    return 0;
  } catch (const ddbcrypt::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
