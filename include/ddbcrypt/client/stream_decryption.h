// Decrypting DynamoDB Streams records: the NewImage and OldImage of each record, as a Lambda
// function, a Kinesis consumer or a GetRecords call receives them (aws/dynamodb_streams.h).
//
//   const CryptoConfig config = client->crypto_config("orders");  // or built by hand
//   aws::StreamEvent event = aws::parse_stream_event_json(payload);
//   decrypt_stream_event(event, config);
//   for (const auto& record : event.records) use(record.dynamodb.new_image);
//
// or, keeping every other member of the event as it came:
//   std::string plain = decrypt_stream_event_json(payload, config);
//
// Each image is verified before anything is decrypted, exactly like an item read from the
// table; the record's Keys must be the image's primary key (a record cannot pair one item's
// keys with another's image). Records without images (KEYS_ONLY streams) pass unchanged. The
// config's context names the logical table and its key attributes; stream records carry no
// key schema, so nothing is looked up.
//
// Errors: DecryptionError / SignatureError naming the record (index and eventID) and image;
// whatever the provider throws (KmsError, ...); FormatError for malformed JSON. Messages never
// hold values.
//
// Thread-safety: free functions without shared state; the config may be shared.
#pragma once

#include <string>
#include <string_view>

#include "ddbcrypt/aws/dynamodb_streams.h"
#include "ddbcrypt/encryptor/item_encryptor.h"

namespace ddbcrypt {

// Decrypts the record's images in place.
void decrypt_stream_record(aws::StreamRecord& record, const CryptoConfig& config);
// Decrypts every record's images in place; on an error nothing is guaranteed about the
// records before it (decrypt a copy to keep the original).
void decrypt_stream_event(aws::StreamEvent& event, const CryptoConfig& config);

// The same over JSON text: a whole event ({"Records": [...]}, or a GetRecords response), or
// one record object.
[[nodiscard]] std::string decrypt_stream_event_json(std::string_view json,
                                                    const CryptoConfig& config);
[[nodiscard]] std::string decrypt_stream_record_json(std::string_view json,
                                                     const CryptoConfig& config);

}  // namespace ddbcrypt
