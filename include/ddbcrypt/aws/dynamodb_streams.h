// DynamoDB Streams records as values: parse a Lambda event, a GetRecords response or one
// Kinesis-delivered record, work on its images, and write it back (spec/aws-wire.md §4).
//
//   {"Records":[{"eventID":"…","eventName":"MODIFY","eventSource":"aws:dynamodb", …,
//                "dynamodb":{"Keys":{…},"NewImage":{…},"OldImage":{…},
//                            "SequenceNumber":"…","SizeBytes":357,
//                            "StreamViewType":"NEW_AND_OLD_IMAGES", …}}]}
//
// Keys and images become Items, decoded by the same strict DynamoDB-JSON parser as table
// items. Every member ddbcrypt does not model (userIdentity, recordFormat, tableName,
// NextShardIterator, members AWS adds later) is kept as raw JSON text and written back
// unchanged, so a consumer can decrypt the images of an event in place and pass the event on:
//
//   aws::StreamEvent event = aws::parse_stream_event_json(payload);
//   for (aws::StreamRecord& record : event.records) {
//     if (record.dynamodb.new_image) *record.dynamodb.new_image = decrypt(*record.dynamodb.new_image);
//   }
//   std::string out = aws::to_json(event);
//
// Writing puts the modelled members first, in the order AWS documents them, then the kept
// members in their input order; JSON objects are unordered, so the result means the same.
//
// Errors: FormatError naming the JSON path ("$.Records[3].dynamodb.NewImage: …"), never a
// value. Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/item/attribute_value.h"

namespace ddbcrypt::aws {

// Members kept verbatim: name and raw JSON text of the value, in input order.
using RawJsonMembers = std::vector<std::pair<std::string, std::string>>;

// The `dynamodb` member of a record (the Streams API's StreamRecord shape).
struct StreamRecordData {
  // From ApproximateCreationDateTime: epoch seconds (possibly fractional) on DynamoDB Streams;
  // epoch milliseconds or microseconds on Kinesis, as the precision member says.
  std::optional<TimePoint> approximate_creation_date_time;
  // "MILLISECOND" or "MICROSECOND" (Kinesis Data Streams records); unset means seconds.
  std::optional<std::string> approximate_creation_date_time_precision;
  Item keys;                       // always present on the wire
  std::optional<Item> new_image;   // NEW_IMAGE / NEW_AND_OLD_IMAGES, not on REMOVE
  std::optional<Item> old_image;   // OLD_IMAGE / NEW_AND_OLD_IMAGES, not on INSERT
  std::optional<std::string> sequence_number;  // decimal text, ordered within a shard
  std::optional<std::int64_t> size_bytes;
  std::optional<StreamViewType> stream_view_type;
  RawJsonMembers other_members;
  bool operator==(const StreamRecordData&) const = default;
};

// One change record.
struct StreamRecord {
  std::optional<std::string> event_id;
  std::optional<std::string> event_name;  // INSERT, MODIFY, REMOVE
  std::optional<std::string> event_version;
  std::optional<std::string> event_source;  // "aws:dynamodb"
  std::optional<std::string> aws_region;
  StreamRecordData dynamodb;
  std::optional<std::string> event_source_arn;  // added by Lambda
  RawJsonMembers other_members;                 // userIdentity, tableName, recordFormat, ...
  bool operator==(const StreamRecord&) const = default;
};

// A Lambda event ({"Records":[…]}) or a GetRecords response ({"Records":[…],
// "NextShardIterator":…}).
struct StreamEvent {
  std::vector<StreamRecord> records;
  RawJsonMembers other_members;  // NextShardIterator, ...
  bool operator==(const StreamEvent&) const = default;
};

// Parses an object with a "Records" array. Throws FormatError for invalid JSON, a missing
// Records array, a record without `dynamodb` or `dynamodb.Keys`, or an invalid item.
[[nodiscard]] StreamEvent parse_stream_event_json(std::string_view json);
// Parses one record object (a Kinesis payload, one line of a JSONL dump).
[[nodiscard]] StreamRecord parse_stream_record_json(std::string_view json);

// Compact JSON (see above for member order).
[[nodiscard]] std::string to_json(const StreamEvent& event);
[[nodiscard]] std::string to_json(const StreamRecord& record);

}  // namespace ddbcrypt::aws
