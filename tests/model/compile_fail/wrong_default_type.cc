// expect: cannot convert.*to .*FieldOptions<int>
#include "ddbcrypt/model/schema.h"

struct Counter {
  std::string id;
  int count = 0;
};
auto schema() {
  return ddbcrypt::model::Schema<Counter>("c").partition_key("id", &Counter::id).field(
      "count", &Counter::count, {.default_value = std::string("zero")});
}
