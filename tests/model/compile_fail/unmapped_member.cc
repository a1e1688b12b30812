// expect: no DynamoDB mapping for this member type
#include "ddbcrypt/model/schema.h"

struct Opaque {};
struct Holder {
  std::string id;
  Opaque opaque;
};
auto schema() {
  return ddbcrypt::model::Schema<Holder>("h").partition_key("id", &Holder::id).field("o", &Holder::opaque);
}
