#include "legacy/string_to_sign.h"

#include <openssl/sha.h>

#include "ddbcrypt/error.h"
#include "legacy/attribute_serialization.h"
#include "legacy/format.h"

namespace ddbcrypt::internal::legacy {
namespace {

void append_sha256(Bytes& out, std::string_view text) {
  const std::size_t at = out.size();
  out.resize(at + kSha256Size);
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data() + at);
}

}  // namespace

StringToSign::StringToSign(std::string_view table_name, NumberDialect dialect)
    : dialect_(dialect) {
  bytes_.reserve(kSha256Size * 16);
  std::string framed;
  framed.reserve(kTableNamePrefix.size() + table_name.size() + kTableNameSuffix.size());
  framed.append(kTableNamePrefix).append(table_name).append(kTableNameSuffix);
  append_sha256(bytes_, framed);
}

void StringToSign::add(std::string_view name, const AttributeValue& value, bool encrypted) {
  if (has_last_ && !(std::string_view(last_name_) < name)) {
    throw ConfigError("string to sign: attributes must be added in ascending name order");
  }
  last_name_.assign(name);
  has_last_ = true;
  append_sha256(bytes_, name);
  const Sha256Digest& flag = encrypted ? kEncryptedFlagHash : kPlaintextFlagHash;
  bytes_.insert(bytes_.end(), flag.begin(), flag.end());
  const Sha256Digest value_hash = hash_serialized_attribute(value, dialect_);
  bytes_.insert(bytes_.end(), value_hash.begin(), value_hash.end());
}

}  // namespace ddbcrypt::internal::legacy
