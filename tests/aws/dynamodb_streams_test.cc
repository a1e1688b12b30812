#include "ddbcrypt/aws/dynamodb_streams.h"

#include <gtest/gtest.h>

#include <chrono>

#include "ddbcrypt/error.h"

namespace ddbcrypt::aws {
namespace {

AttributeValue S(std::string s) { return AttributeValue::S(std::move(s)); }
AttributeValue N(std::string n) { return AttributeValue::N(std::move(n)); }

std::int64_t epoch_millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// A Lambda event in the shape of spec/aws-wire.md §4.1: an INSERT, a MODIFY and a TTL REMOVE
// (with userIdentity).
constexpr std::string_view kLambdaEvent = R"j({"Records":[
  {"eventID":"1","eventName":"INSERT","eventVersion":"1.1","eventSource":"aws:dynamodb",
   "awsRegion":"us-east-1",
   "dynamodb":{"ApproximateCreationDateTime":1480452540,"Keys":{"pk":{"S":"a"}},
               "NewImage":{"pk":{"S":"a"},"b":{"B":"AAE="}},"SequenceNumber":"111",
               "SizeBytes":26,"StreamViewType":"NEW_AND_OLD_IMAGES"},
   "eventSourceARN":"arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2016-11-29T21:00:00.000"},
  {"eventID":"2","eventName":"MODIFY","eventVersion":"1.1","eventSource":"aws:dynamodb",
   "awsRegion":"us-east-1",
   "dynamodb":{"ApproximateCreationDateTime":1480452541.25,"Keys":{"pk":{"S":"a"}},
               "NewImage":{"pk":{"S":"a"},"n":{"N":"2"}},"OldImage":{"pk":{"S":"a"},"n":{"N":"1"}},
               "SequenceNumber":"222","SizeBytes":40,"StreamViewType":"NEW_AND_OLD_IMAGES"}},
  {"eventID":"3","eventName":"REMOVE","eventVersion":"1.1","eventSource":"aws:dynamodb",
   "awsRegion":"us-east-1",
   "dynamodb":{"Keys":{"pk":{"S":"a"}},"OldImage":{"pk":{"S":"a"}},"SequenceNumber":"333",
               "SizeBytes":10,"StreamViewType":"NEW_AND_OLD_IMAGES"},
   "userIdentity":{"type":"Service","principalId":"dynamodb.amazonaws.com"}}
]})j";

TEST(DynamoDbStreams, ParsesLambdaEvent) {
  const StreamEvent event = parse_stream_event_json(kLambdaEvent);
  ASSERT_EQ(event.records.size(), 3u);

  const StreamRecord& insert = event.records[0];
  EXPECT_EQ(insert.event_id, "1");
  EXPECT_EQ(insert.event_name, "INSERT");
  EXPECT_EQ(insert.event_version, "1.1");
  EXPECT_EQ(insert.event_source, "aws:dynamodb");
  EXPECT_EQ(insert.aws_region, "us-east-1");
  EXPECT_EQ(insert.event_source_arn,
            "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2016-11-29T21:00:00.000");
  EXPECT_EQ(insert.dynamodb.keys, (Item{{"pk", S("a")}}));
  EXPECT_EQ(insert.dynamodb.new_image,
            (Item{{"pk", S("a")}, {"b", AttributeValue::B({0, 1})}}));
  EXPECT_FALSE(insert.dynamodb.old_image.has_value());
  EXPECT_EQ(insert.dynamodb.sequence_number, "111");
  EXPECT_EQ(insert.dynamodb.size_bytes, 26);
  EXPECT_EQ(insert.dynamodb.stream_view_type, StreamViewType::kNewAndOldImages);
  ASSERT_TRUE(insert.dynamodb.approximate_creation_date_time.has_value());
  EXPECT_EQ(epoch_millis(*insert.dynamodb.approximate_creation_date_time), 1480452540000);
  EXPECT_TRUE(insert.other_members.empty());

  const StreamRecord& modify = event.records[1];
  EXPECT_EQ(modify.dynamodb.old_image, (Item{{"pk", S("a")}, {"n", N("1")}}));
  EXPECT_EQ(epoch_millis(*modify.dynamodb.approximate_creation_date_time), 1480452541250);
  EXPECT_FALSE(modify.event_source_arn.has_value());

  const StreamRecord& remove = event.records[2];
  EXPECT_FALSE(remove.dynamodb.new_image.has_value());
  EXPECT_FALSE(remove.dynamodb.approximate_creation_date_time.has_value());
  ASSERT_EQ(remove.other_members.size(), 1u);
  EXPECT_EQ(remove.other_members[0].first, "userIdentity");
  EXPECT_EQ(remove.other_members[0].second,
            R"j({"type":"Service","principalId":"dynamodb.amazonaws.com"})j");
}

TEST(DynamoDbStreams, WritesBackWhatItRead) {
  const StreamEvent event = parse_stream_event_json(kLambdaEvent);
  const std::string json = to_json(event);
  EXPECT_EQ(parse_stream_event_json(json), event);
  // The TTL record keeps userIdentity, and the fractional timestamp keeps its digits.
  EXPECT_NE(json.find(R"j("userIdentity":{"type":"Service","principalId":"dynamodb.amazonaws.com"})j"),
            std::string::npos);
  EXPECT_NE(json.find(R"j("ApproximateCreationDateTime":1480452541.25,)j"), std::string::npos);
  EXPECT_EQ(to_json(event.records[0]),
            R"j({"eventID":"1","eventName":"INSERT","eventVersion":"1.1","eventSource":"aws:dynamodb",)j"
            R"j("awsRegion":"us-east-1","dynamodb":{"ApproximateCreationDateTime":1480452540,)j"
            R"j("Keys":{"pk":{"S":"a"}},"NewImage":{"b":{"B":"AAE="},"pk":{"S":"a"}},)j"
            R"j("SequenceNumber":"111","SizeBytes":26,"StreamViewType":"NEW_AND_OLD_IMAGES"},)j"
            R"j("eventSourceARN":"arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2016-11-29T21:00:00.000"})j");
}

TEST(DynamoDbStreams, ReplacingAnImageChangesOnlyThatImage) {
  StreamEvent event = parse_stream_event_json(kLambdaEvent);
  event.records[1].dynamodb.new_image = Item{{"pk", S("a")}, {"n", N("3")}};
  const StreamEvent back = parse_stream_event_json(to_json(event));
  EXPECT_EQ(back.records[1].dynamodb.new_image, (Item{{"pk", S("a")}, {"n", N("3")}}));
  EXPECT_EQ(back.records[1].dynamodb.old_image, (Item{{"pk", S("a")}, {"n", N("1")}}));
  EXPECT_EQ(back.records[0], event.records[0]);
  EXPECT_EQ(back.records[2], event.records[2]);
}

TEST(DynamoDbStreams, GetRecordsResponseKeepsNextShardIterator) {
  const StreamEvent page = parse_stream_event_json(
      R"j({"NextShardIterator":"iter-2","Records":[{"eventName":"INSERT",)j"
      R"j("dynamodb":{"Keys":{"pk":{"N":"5"}},"StreamViewType":"KEYS_ONLY"}}]})j");
  ASSERT_EQ(page.other_members.size(), 1u);
  EXPECT_EQ(page.other_members[0], (std::pair<std::string, std::string>{"NextShardIterator",
                                                                        R"j("iter-2")j"}));
  EXPECT_EQ(to_json(page),
            R"j({"Records":[{"eventName":"INSERT","dynamodb":{"Keys":{"pk":{"N":"5"}},)j"
            R"j("StreamViewType":"KEYS_ONLY"}}],"NextShardIterator":"iter-2"})j");
}

TEST(DynamoDbStreams, KinesisRecordWithMillisecondPrecision) {
  // Kinesis Data Streams for DynamoDB: one record per Kinesis payload, millisecond timestamps,
  // and members of its own (including a null userIdentity) that must survive unchanged.
  const std::string_view payload =
      R"j({"awsRegion":"eu-west-1","eventID":"e","eventName":"INSERT","userIdentity":null,)j"
      R"j("recordFormat":"application/json","tableName":"t","dynamodb":{)j"
      R"j("ApproximateCreationDateTime":1685397154146,"Keys":{"pk":{"S":"a"}},)j"
      R"j("NewImage":{"pk":{"S":"a"}},"SizeBytes":12,"ApproximateCreationDateTimePrecision":"MILLISECOND"},)j"
      R"j("eventSource":"aws:dynamodb","extra":[1.50, true, "x"]})j";
  const StreamRecord record = parse_stream_record_json(payload);
  EXPECT_EQ(epoch_millis(*record.dynamodb.approximate_creation_date_time), 1685397154146);
  EXPECT_EQ(record.dynamodb.approximate_creation_date_time_precision, "MILLISECOND");
  const RawJsonMembers expected_members{{"userIdentity", "null"},
                                        {"recordFormat", R"j("application/json")j"},
                                        {"tableName", R"j("t")j"},
                                        {"extra", R"j([1.50, true, "x"])j"}};
  EXPECT_EQ(record.other_members, expected_members);
  EXPECT_EQ(to_json(record),
            R"j({"eventID":"e","eventName":"INSERT","eventSource":"aws:dynamodb","awsRegion":"eu-west-1",)j"
            R"j("dynamodb":{"ApproximateCreationDateTime":1685397154146,"Keys":{"pk":{"S":"a"}},)j"
            R"j("NewImage":{"pk":{"S":"a"}},"SizeBytes":12,"ApproximateCreationDateTimePrecision":"MILLISECOND"},)j"
            R"j("userIdentity":null,"recordFormat":"application/json","tableName":"t","extra":[1.50, true, "x"]})j");
  EXPECT_EQ(parse_stream_record_json(to_json(record)), record);
}

TEST(DynamoDbStreams, RejectsMalformedInput) {
  EXPECT_THROW((void)parse_stream_event_json("{"), FormatError);
  EXPECT_THROW((void)parse_stream_event_json(R"j({"records":[]})j"), FormatError);
  EXPECT_THROW((void)parse_stream_event_json(R"j({"Records":{}})j"), FormatError);
  EXPECT_THROW((void)parse_stream_event_json(R"j({"Records":[{"eventName":"INSERT"}]})j"),
               FormatError);
  EXPECT_THROW((void)parse_stream_record_json(R"j({"dynamodb":{"NewImage":{}}})j"), FormatError);
  EXPECT_THROW((void)parse_stream_record_json(
                   R"j({"dynamodb":{"Keys":{},"StreamViewType":"EVERYTHING"}})j"),
               FormatError);
  // Invalid JSON in a member that would otherwise be copied verbatim.
  EXPECT_THROW((void)parse_stream_record_json(R"j({"dynamodb":{"Keys":{}},"x":tru})j"),
               FormatError);
  try {
    (void)parse_stream_event_json(
        R"j({"Records":[{"dynamodb":{"Keys":{}}},{"dynamodb":{"Keys":{},"NewImage":{"ssn":{"N":"12-34"}}}}]})j");
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("$.Records[1].dynamodb.NewImage"), std::string::npos) << message;
    EXPECT_EQ(message.find("12-34"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace ddbcrypt::aws
