#include "ddbcrypt/client/stream_decryption.h"

#include <gtest/gtest.h>

#include <string>

#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "encryptor/encryptor_support.h"

namespace ddbcrypt {
namespace {

CryptoConfig stream_config() {
  return testing::make_config(
      testing::wrapped_aes_provider(testing::vector_aes_key(), testing::vector_hmac_key()),
      AttributeActions::create(CryptoAction::kEncryptAndSign,
                               {{"email", CryptoAction::kSignOnly},
                                {"visits", CryptoAction::kDoNothing}}),
      "orders");
}

Item plain(int version) {
  return {{"pk", AttributeValue::S("user#1")},
          {"sk", AttributeValue::N(7)},
          {"ssn", AttributeValue::S("STREAM-SECRET-" + std::to_string(version))},
          {"email", AttributeValue::S("a@example.com")},
          {"visits", AttributeValue::N(version)}};
}

const std::string kKeys = R"({"pk":{"S":"user#1"},"sk":{"N":"7"}})";

std::string record_json(const std::string& event_name, const std::string& id,
                        const std::string& images) {
  return R"({"eventID":")" + id + R"(","eventName":")" + event_name +
         R"(","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1",)"
         R"("dynamodb":{"ApproximateCreationDateTime":1700000000,"Keys":)" + kKeys + images +
         R"(,"SequenceNumber":"111","SizeBytes":300,"StreamViewType":"NEW_AND_OLD_IMAGES"},)"
         R"("eventSourceARN":"arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026",)"
         R"("userIdentity":{"type":"Service","principalId":"dynamodb.amazonaws.com"}})";
}

std::string event_json(const CryptoConfig& config) {
  const Item v1 = encrypt_item(plain(1), config);
  const Item v2 = encrypt_item(plain(2), config);
  return R"({"Records":[)" +
         record_json("INSERT", "e1", R"(,"NewImage":)" + to_json(v1)) + "," +
         record_json("MODIFY", "e2",
                     R"(,"NewImage":)" + to_json(v2) + R"(,"OldImage":)" + to_json(v1)) +
         "," + record_json("REMOVE", "e3", R"(,"OldImage":)" + to_json(v2)) + "," +
         record_json("MODIFY", "e4", "") + R"(],"NextShardIterator":"iter-abc"})";
}

TEST(StreamDecryption, DecryptsEveryImageOfAnEventAndKeepsTheRest) {
  const CryptoConfig config = stream_config();
  const std::string input = event_json(config);
  ASSERT_EQ(input.find("STREAM-SECRET"), std::string::npos);

  const std::string output = decrypt_stream_event_json(input, config);
  const aws::StreamEvent event = aws::parse_stream_event_json(output);
  ASSERT_EQ(event.records.size(), 4u);
  EXPECT_EQ(*event.records[0].dynamodb.new_image, plain(1));
  EXPECT_EQ(*event.records[1].dynamodb.new_image, plain(2));
  EXPECT_EQ(*event.records[1].dynamodb.old_image, plain(1));
  EXPECT_FALSE(event.records[2].dynamodb.new_image);
  EXPECT_EQ(*event.records[2].dynamodb.old_image, plain(2));
  EXPECT_FALSE(event.records[3].dynamodb.new_image);  // a keys-only record passes
  // Members the library does not model come back as they were.
  EXPECT_NE(output.find(R"("NextShardIterator":"iter-abc")"), std::string::npos);
  EXPECT_NE(output.find(R"("principalId":"dynamodb.amazonaws.com")"), std::string::npos);
  EXPECT_EQ(event.records[1].event_source_arn,
            std::optional<std::string>(
                "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026"));
  EXPECT_EQ(output.find(kSignatureAttribute), std::string::npos);

  // One record alone (a Kinesis payload, a JSONL line).
  const Item v3 = encrypt_item(plain(3), config);
  const aws::StreamRecord one = aws::parse_stream_record_json(
      decrypt_stream_record_json(record_json("INSERT", "k1", R"(,"NewImage":)" + to_json(v3)),
                                 config));
  EXPECT_EQ(*one.dynamodb.new_image, plain(3));
}

TEST(StreamDecryption, TamperedImageNamesTheRecord) {
  const CryptoConfig config = stream_config();
  aws::StreamEvent event = aws::parse_stream_event_json(event_json(config));
  (*event.records[1].dynamodb.old_image)["email"] = AttributeValue::S("evil@example.com");
  try {
    decrypt_stream_event(event, config);
    FAIL() << "a tampered image was decrypted";
  } catch (const SignatureError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("Records[1] (eventID e2) OldImage"), std::string::npos) << message;
    EXPECT_EQ(message.find("evil"), std::string::npos) << message;
  }
}

TEST(StreamDecryption, KeysMustMatchTheImage) {
  const CryptoConfig config = stream_config();
  Item other = plain(1);
  other["pk"] = AttributeValue::S("user#2");
  const std::string spliced =
      record_json("INSERT", "s1", R"(,"NewImage":)" + to_json(encrypt_item(other, config)));
  try {
    (void)decrypt_stream_record_json(spliced, config);
    FAIL() << "a record whose Keys name another item was accepted";
  } catch (const DecryptionError& e) {
    EXPECT_NE(std::string(e.what()).find("Keys do not match"), std::string::npos) << e.what();
  }
}

TEST(StreamDecryption, WrongTableOrKeysFailToVerify) {
  const CryptoConfig config = stream_config();
  const std::string input = event_json(config);
  CryptoConfig other_table = config;
  other_table.context.table_name = "customers";
  EXPECT_THROW((void)decrypt_stream_event_json(input, other_table), SignatureError);
  EXPECT_THROW((void)decrypt_stream_event_json(R"({"Records":[{"eventID":"x"}]})", config),
               FormatError);
}

}  // namespace
}  // namespace ddbcrypt
