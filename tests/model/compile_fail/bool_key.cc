// expect: a key member must be std::string, a number, Bytes or a time point
#include "ddbcrypt/model/schema.h"

struct Flag {
  bool on = false;
};
auto schema() { return ddbcrypt::model::Schema<Flag>("flags").partition_key("on", &Flag::on); }
