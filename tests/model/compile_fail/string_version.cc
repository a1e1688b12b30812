// expect: a version member must be an integer
#include "ddbcrypt/model/schema.h"

struct Doc {
  std::string id;
  std::string version;
};
auto schema() {
  return ddbcrypt::model::Schema<Doc>("docs").partition_key("id", &Doc::id).version("v", &Doc::version);
}
