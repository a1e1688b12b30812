// expect: a schema has one partition key
#include "ddbcrypt/model/schema.h"

struct Pair {
  std::string a;
  std::string b;
};
auto schema() {
  return ddbcrypt::model::Schema<Pair>("pairs").partition_key("a", &Pair::a).partition_key("b", &Pair::b);
}
