// The item encryptor in one page: protect a `User` item the way the AWS DynamoDB Encryption
// Client does, look at what DynamoDB would store, read it back, and see tampering refused.
//
//   build/examples/example_item_encryptor
//
// The keys here are generated on the spot; in a real service they come from a key file
// (`ddbcrypt keygen`), a wrapping key you manage, or KMS.
#include <iostream>
#include <memory>
#include <string>

#include "ddbcrypt/ddbcrypt.h"

namespace {

using ddbcrypt::AttributeValue;
using ddbcrypt::CryptoAction;
using ddbcrypt::Item;

// Prints one attribute a line, clipping long values so ciphertext stays readable.
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
  // 1. Keys: an AES-256 key encrypts attribute values, an HMAC-SHA256 key signs the item.
  auto provider = ddbcrypt::StaticMaterialsProvider::create({
      .encryption_key = std::make_shared<const ddbcrypt::AesKey>(ddbcrypt::AesKey::generate(32)),
      .signing_key = ddbcrypt::SigningKey::hmac(
          ddbcrypt::HmacKey::generate(ddbcrypt::HashAlgorithm::kSha256, 32)),
  });

  // 2. What to do with each attribute: the key attributes are always signed, never
  //    encrypted (DynamoDB must read them); `email` is signed so it cannot be changed
  //    unnoticed but stays queryable; `last_login` is left alone; everything else (the ssn)
  //    is encrypted and signed.
  const ddbcrypt::CryptoConfig config{
      .provider = std::move(provider),
      .context = {.table_name = "users", .partition_key_name = "pk"},
      .actions = ddbcrypt::AttributeActions::create(
          CryptoAction::kEncryptAndSign,
          {{"email", CryptoAction::kSignOnly}, {"last_login", CryptoAction::kDoNothing}}),
  };

  const Item user{
      {"pk", AttributeValue::S("user#1")},
      {"email", AttributeValue::S("ada@example.com")},
      {"ssn", AttributeValue::S("123-45-6789")},
      {"last_login", AttributeValue::N(std::int64_t{1764633600})},
  };
  show("plaintext item:", user);

  // 3. Encrypt: this is what you put into DynamoDB.
  const Item stored = ddbcrypt::encrypt_item(user, config);
  show("\nas stored in DynamoDB:", stored);

  // 4. Decrypt: verifies the signature first, then decrypts.
  const Item back = ddbcrypt::decrypt_item(stored, config);
  show("\nread back:", back);
  std::cout << "\nround trip " << (back == user ? "ok" : "FAILED") << "\n";

  // 5. Tampering with a signed attribute is detected.
  Item tampered = stored;
  tampered["email"] = AttributeValue::S("mallory@example.com");
  try {
    (void)ddbcrypt::decrypt_item(tampered, config);
    std::cout << "tampered item accepted: this must not happen\n";
    return 1;
  } catch (const ddbcrypt::SignatureError& e) {
    std::cout << "tampered item refused: " << e.what() << "\n";
  }
  return back == user ? 0 : 1;
}
