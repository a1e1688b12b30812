#include "legacy/string_to_sign.h"

#include "ddbcrypt/error.h"
#include "legacy/attribute_serialization.h"
#include "legacy/format.h"

namespace ddbcrypt::internal::legacy {

StringToSign::StringToSign(std::string_view table_name, NumberDialect dialect)
    : ctx_(EVP_MD_CTX_new()), dialect_(dialect) {
  if (!ctx_) throw_openssl_error<EncryptionError>("cannot allocate a digest context");
  bytes_.reserve(kSha256Size * 16);
  std::string framed;
  framed.reserve(kTableNamePrefix.size() + table_name.size() + kTableNameSuffix.size());
  framed.append(kTableNamePrefix).append(table_name).append(kTableNameSuffix);
  append_sha256(as_bytes(framed));
}

void StringToSign::append_sha256(ByteView data) {
  const std::size_t at = bytes_.size();
  bytes_.resize(at + kSha256Size);
  unsigned int size = 0;
  if (EVP_DigestInit_ex(ctx_.get(), md_for(HashAlgorithm::kSha256), nullptr) != 1 ||
      EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx_.get(), bytes_.data() + at, &size) != 1 || size != kSha256Size) {
    throw_openssl_error<EncryptionError>("SHA-256 failed");
  }
}

void StringToSign::add(std::string_view name, const AttributeValue& value, bool encrypted) {
  if (has_last_ && !(std::string_view(last_name_) < name)) {
    throw ConfigError("string to sign: attributes must be added in ascending name order");
  }
  last_name_.assign(name);
  has_last_ = true;
  append_sha256(as_bytes(name));
  const Sha256Digest& flag = encrypted ? kEncryptedFlagHash : kPlaintextFlagHash;
  bytes_.insert(bytes_.end(), flag.begin(), flag.end());
  const Sha256Digest value_hash = hash_serialized_attribute(value, dialect_, ctx_.get());
  bytes_.insert(bytes_.end(), value_hash.begin(), value_hash.end());
}

}  // namespace ddbcrypt::internal::legacy
