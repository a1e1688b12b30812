#include "ddbcrypt/client/stream_decryption.h"

#include <optional>
#include <utility>

#include "client/errors.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

std::string where(const aws::StreamRecord& record, std::optional<std::size_t> index) {
  std::string out = "stream record";
  if (index) out = "Records[" + std::to_string(*index) + "]";
  if (record.event_id) out += " (eventID " + record.event_id->substr(0, 80) + ")";
  return out;
}

void check_keys(const aws::StreamRecord& record, const Item& image, const CryptoConfig& config,
                const std::string& what) {
  for (const auto* name : {&config.context.partition_key_name, &config.context.sort_key_name}) {
    if (!*name) continue;
    const auto in_keys = record.dynamodb.keys.find(**name);
    const auto in_image = image.find(**name);
    if (in_keys == record.dynamodb.keys.end() || in_image == image.end() ||
        !equivalent(in_keys->second, in_image->second)) {
      throw DecryptionError(what + ": the record's Keys do not match the image's primary key "
                            "attribute \"" + **name + "\"");
    }
  }
}

void decrypt_images(aws::StreamRecord& record, const CryptoConfig& config,
                    std::optional<std::size_t> index) {
  const std::string site = where(record, index);
  for (auto [image, name] : {std::pair{&record.dynamodb.new_image, "NewImage"},
                             std::pair{&record.dynamodb.old_image, "OldImage"}}) {
    if (!*image) continue;
    const std::string what = site + " " + name;
    check_keys(record, **image, config, what);
    try {
      **image = decrypt_item(std::move(**image), config);
    } catch (...) {
      internal::rethrow_with_context(what + ": ");
    }
  }
}

}  // namespace

void decrypt_stream_record(aws::StreamRecord& record, const CryptoConfig& config) {
  decrypt_images(record, config, std::nullopt);
}

void decrypt_stream_event(aws::StreamEvent& event, const CryptoConfig& config) {
  for (std::size_t i = 0; i < event.records.size(); ++i) {
    decrypt_images(event.records[i], config, i);
  }
}

std::string decrypt_stream_event_json(std::string_view json, const CryptoConfig& config) {
  aws::StreamEvent event = aws::parse_stream_event_json(json);
  decrypt_stream_event(event, config);
  return aws::to_json(event);
}

std::string decrypt_stream_record_json(std::string_view json, const CryptoConfig& config) {
  aws::StreamRecord record = aws::parse_stream_record_json(json);
  decrypt_stream_record(record, config);
  return aws::to_json(record);
}

}  // namespace ddbcrypt
