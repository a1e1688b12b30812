// expect: the schema of a model needs a partition key
#include "ddbcrypt/model/repository.h"

struct Note {
  std::string id;
};
template <>
struct ddbcrypt::model::ModelTraits<Note> {
  static auto schema() { return Schema<Note>("notes").field("id", &Note::id); }
};
void use() { ddbcrypt::model::Repository<Note> notes({}); }
