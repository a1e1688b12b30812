// expect: cannot convert.*to .*FieldOptions<std::__cxx11::basic_string
#include "ddbcrypt/model/schema.h"

struct Event {
  std::string id;
  std::string when;
};
auto schema() {
  return ddbcrypt::model::Schema<Event>("events")
      .partition_key("id", &Event::id)
      .field("when", &Event::when, {.time_format = ddbcrypt::model::TimeFormat::kEpochSeconds});
}
