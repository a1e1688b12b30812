// The canonical string to sign of an item (spec §8.1):
//
//   H("TABLE>" + table + "<TABLE")
//   || for each signed attribute, in UTF-8 byte order of names:
//        H(name) || H("ENCRYPTED" or "PLAINTEXT") || H(serialize(stored value))
//
// where H is SHA-256. The result is fed whole to the MAC or signature.
//
// Thread-safety: a builder is used by one thread at a time.
#pragma once

#include <string>
#include <string_view>

#include "crypto/ssl_util.h"
#include "ddbcrypt/bytes.h"
#include "ddbcrypt/item/attribute_value.h"
#include "legacy/number.h"

namespace ddbcrypt::internal::legacy {

class StringToSign {
 public:
  explicit StringToSign(std::string_view table_name,
                        NumberDialect dialect = NumberDialect::kExact);

  // Adds one signed attribute. Names must be added in strictly ascending byte order (the
  // order of Item); ConfigError otherwise. `value` is the stored value: for an encrypted
  // attribute, the B ciphertext.
  void add(std::string_view name, const AttributeValue& value, bool encrypted);

  const Bytes& bytes() const noexcept { return bytes_; }
  Bytes take() && { return std::move(bytes_); }

 private:
  void append_sha256(ByteView data);

  MdCtx ctx_;  // reused for every hash: one allocation and no algorithm fetch per attribute
  Bytes bytes_;
  std::string last_name_;
  bool has_last_ = false;
  NumberDialect dialect_;
};

}  // namespace ddbcrypt::internal::legacy
