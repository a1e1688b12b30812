// The real KmsClient's wire format (spec/aws-wire.md §5) against a scripted transport: request
// bodies, response decoding, errors, and checks made before anything is sent. The same client
// against moto's KMS is in tests/integration/kms_integration_test.cc.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "ddbcrypt/aws/http.h"
#include "ddbcrypt/aws/kms_client.h"
#include "ddbcrypt/bytes.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::aws {
namespace {

class RecordingTransport final : public HttpTransport {
 public:
  explicit RecordingTransport(HttpResponse reply) : reply_(std::move(reply)) {}
  HttpResponse send(const HttpRequest& request, const HttpOptions&) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    sent_.push_back(request);
    return reply_;
  }
  std::vector<HttpRequest> sent() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return sent_;
  }

 private:
  HttpResponse reply_;
  mutable std::mutex mutex_;
  mutable std::vector<HttpRequest> sent_;
};

std::string target_of(const HttpRequest& r) {
  for (const auto& [k, v] : r.headers) {
    if (k == "X-Amz-Target") return v;
  }
  return "";
}

struct Kms {
  std::shared_ptr<RecordingTransport> transport;
  std::shared_ptr<KmsClient> client;
  explicit Kms(int status, std::string body)
      : transport(std::make_shared<RecordingTransport>(HttpResponse{.status = status, .body = std::move(body)})) {
    ClientConfig config;
    config.region = "eu-west-1";
    config.endpoint_override = "http://127.0.0.1:4566";
    config.credentials_provider = make_static_credentials_provider(
        Credentials("AKIDEXAMPLE", SecretBytes::copy_of(as_bytes("secret"))));
    config.transport = transport;
    config.retry.max_attempts = 1;
    client = make_kms_client(config);
  }
  // The one request sent, parsed.
  simdjson::dom::element body(simdjson::dom::parser& parser) const {
    const auto sent = transport->sent();
    EXPECT_EQ(sent.size(), 1u);
    return parser.parse(sent.at(0).body);
  }
};

const std::string kArn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

TEST(KmsClientWire, EncryptSendsBase64PlaintextAndContext) {
  Kms kms(200, R"({"CiphertextBlob":"AAEC","KeyId":")" + kArn + R"(","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"})");
  const SecretBytes plaintext = SecretBytes::copy_of(as_bytes("hi"));
  const KmsEncryptResult r = kms.client->encrypt({.key_id = "alias/app",
                                                  .plaintext = &plaintext,
                                                  .encryption_context = {{"table", "t"}, {"a", "b"}},
                                                  .grant_tokens = {"g1"}});
  EXPECT_EQ(r.ciphertext_blob, (Bytes{0, 1, 2}));
  EXPECT_EQ(r.key_id, kArn);
  EXPECT_EQ(kms.client->region(), "eu-west-1");
  const auto sent = kms.transport->sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(target_of(sent[0]), "TrentService.Encrypt");
  EXPECT_EQ(sent[0].body,
            R"({"KeyId":"alias/app","Plaintext":"aGk=","EncryptionContext":{"a":"b","table":"t"},"GrantTokens":["g1"]})");
  bool json11 = false;
  for (const auto& [k, v] : sent[0].headers) json11 |= k == "Content-Type" && v == "application/x-amz-json-1.1";
  EXPECT_TRUE(json11);
}

TEST(KmsClientWire, DecryptReturnsASecretAndPinsTheKey) {
  Kms kms(200, R"({"KeyId":")" + kArn + R"(","Plaintext":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"})");
  const KmsDecryptResult r = kms.client->decrypt(
      {.ciphertext_blob = {9, 9}, .encryption_context = {{"k", "v"}}, .key_id = kArn});
  ASSERT_EQ(r.plaintext.size(), 32u);
  EXPECT_EQ(r.plaintext.expose_secret()[31], 31);
  EXPECT_EQ(r.key_id, kArn);
  simdjson::dom::parser parser;
  const auto body = kms.body(parser);
  EXPECT_EQ(std::string_view(body["CiphertextBlob"]), "CQk=");
  EXPECT_EQ(std::string_view(body["KeyId"]), kArn);
  EXPECT_EQ(std::string_view(body["EncryptionContext"]["k"]), "v");
}

TEST(KmsClientWire, GenerateDataKeyTakesExactlyOneSize) {
  Kms kms(200, R"({"CiphertextBlob":"AQI=","Plaintext":"AAAAAAAAAAAAAAAAAAAAAA==","KeyId":")" + kArn + "\"}");
  const GenerateDataKeyResult r =
      kms.client->generate_data_key({.key_id = "k", .key_spec = "AES_128"});
  EXPECT_EQ(r.plaintext.size(), 16u);
  EXPECT_EQ(r.ciphertext_blob, (Bytes{1, 2}));
  simdjson::dom::parser parser;
  const auto body = kms.body(parser);
  EXPECT_EQ(std::string_view(body["KeySpec"]), "AES_128");
  EXPECT_TRUE(body["NumberOfBytes"].error());

  EXPECT_THROW((void)kms.client->generate_data_key({.key_id = "k"}), ConfigError);
  EXPECT_THROW((void)kms.client->generate_data_key(
                   {.key_id = "k", .number_of_bytes = 32, .key_spec = "AES_256"}),
               ConfigError);
  EXPECT_EQ(kms.transport->sent().size(), 1u);  // refused before sending
}

TEST(KmsClientWire, NumberOfBytesAndWithoutPlaintext) {
  Kms kms(200, R"({"CiphertextBlob":"AQI=","KeyId":")" + kArn + "\"}");
  const auto r = kms.client->generate_data_key_without_plaintext({.key_id = "k", .number_of_bytes = 64});
  EXPECT_EQ(r.ciphertext_blob, (Bytes{1, 2}));
  simdjson::dom::parser parser;
  EXPECT_EQ(int64_t(kms.body(parser)["NumberOfBytes"]), 64);
  EXPECT_EQ(target_of(kms.transport->sent()[0]), "TrentService.GenerateDataKeyWithoutPlaintext");
}

TEST(KmsClientWire, DescribeAndCreateKeyReadMetadata) {
  Kms kms(200, R"({"KeyMetadata":{"AWSAccountId":"111122223333","KeyId":"1234","Arn":")" + kArn +
                   R"(","CreationDate":1.7E9,"Enabled":false,"Description":"d","KeyUsage":"ENCRYPT_DECRYPT","KeyState":"Disabled","KeySpec":"SYMMETRIC_DEFAULT","EncryptionAlgorithms":["SYMMETRIC_DEFAULT"],"MultiRegion":false}})");
  const KeyMetadata m = kms.client->describe_key("alias/app");
  EXPECT_EQ(m.key_id, "1234");
  EXPECT_EQ(m.arn, kArn);
  EXPECT_FALSE(m.enabled);
  EXPECT_EQ(m.key_state, "Disabled");
  EXPECT_EQ(m.key_usage, "ENCRYPT_DECRYPT");
  EXPECT_EQ(m.key_spec, "SYMMETRIC_DEFAULT");
  EXPECT_EQ(m.description, "d");
}

TEST(KmsClientWire, ReEncryptAndCreateAlias) {
  Kms kms(200, R"({"CiphertextBlob":"Bw==","SourceKeyId":"src","KeyId":"dst"})");
  const ReEncryptResult r = kms.client->re_encrypt({.ciphertext_blob = {1},
                                                    .source_encryption_context = {{"a", "1"}},
                                                    .destination_key_id = "dst",
                                                    .destination_encryption_context = {{"b", "2"}}});
  EXPECT_EQ(r.ciphertext_blob, (Bytes{7}));
  EXPECT_EQ(r.source_key_id, "src");
  EXPECT_EQ(r.key_id, "dst");
  EXPECT_THROW(kms.client->create_alias("no-prefix", "k"), ConfigError);
  EXPECT_THROW(kms.client->create_alias("alias/", "k"), ConfigError);
  EXPECT_EQ(kms.transport->sent().size(), 1u);
}

TEST(KmsClientWire, ServiceErrorsBecomeKmsErrors) {
  Kms kms(400, R"({"__type":"InvalidCiphertextException"})");
  try {
    (void)kms.client->decrypt({.ciphertext_blob = {1, 2, 3}});
    FAIL() << "no error";
  } catch (const KmsError& e) {
    EXPECT_EQ(e.error_code(), "InvalidCiphertextException");
    EXPECT_EQ(e.http_status(), 400);
    EXPECT_FALSE(e.retryable());
  }
  Kms not_found(400, R"({"__type":"NotFoundException","message":"Alias arn:aws:kms:eu-west-1:1:alias/x is not found."})");
  EXPECT_THROW((void)not_found.client->describe_key("alias/x"), KmsError);
}

TEST(KmsClientWire, MalformedAnswersAreInvalidResponse) {
  for (const std::string& body : {std::string("not json"), std::string(R"({"KeyId":"k"})"),
                                 std::string(R"({"Plaintext":"AA\u0041A="})"),
                                 std::string(R"({"Plaintext":"!!!"})"),
                                 std::string(R"({"Plaintext":7})")}) {
    Kms kms(200, body);
    try {
      (void)kms.client->decrypt({.ciphertext_blob = {1}});
      ADD_FAILURE() << "accepted " << body;
    } catch (const KmsError& e) {
      EXPECT_EQ(e.error_code(), "InvalidResponse") << body;
      EXPECT_EQ(std::string(e.what()).find("AA"), std::string::npos);
    }
  }
}

TEST(KmsClientWire, RefusesEmptyInputsBeforeSending) {
  Kms kms(200, "{}");
  const SecretBytes plaintext = SecretBytes::copy_of(as_bytes("x"));
  EXPECT_THROW((void)kms.client->encrypt({.key_id = "", .plaintext = &plaintext}), ConfigError);
  EXPECT_THROW((void)kms.client->encrypt({.key_id = "k", .plaintext = nullptr}), ConfigError);
  EXPECT_THROW((void)kms.client->decrypt({.ciphertext_blob = {}}), ConfigError);
  EXPECT_THROW((void)kms.client->describe_key(""), ConfigError);
  EXPECT_TRUE(kms.transport->sent().empty());
}

TEST(KmsClientWire, NeedsARegion) {
  ClientConfig config;
  config.region = "";
  config.profile = std::nullopt;
  // With the environment cleared of regions the client cannot be built.
  const char* saved[] = {std::getenv("AWS_REGION"), std::getenv("AWS_DEFAULT_REGION")};
  const std::string a = saved[0] ? saved[0] : "", b = saved[1] ? saved[1] : "";
  unsetenv("AWS_REGION");
  unsetenv("AWS_DEFAULT_REGION");
  setenv("AWS_CONFIG_FILE", "/nonexistent/ddbcrypt-test-config", 1);
  EXPECT_THROW((void)make_kms_client(config), ConfigError);
  unsetenv("AWS_CONFIG_FILE");
  if (saved[0]) setenv("AWS_REGION", a.c_str(), 1);
  if (saved[1]) setenv("AWS_DEFAULT_REGION", b.c_str(), 1);
}

}  // namespace
}  // namespace ddbcrypt::aws
