// No "expect" line: this file must compile, which shows the command the other files run
// under (compiler, flags, include path) works, so their expected diagnostics are real.
#include "ddbcrypt/model/repository.h"
#include "ddbcrypt/model/transaction.h"

struct Order {
  std::string customer;
  std::int64_t number = 0;
  ddbcrypt::model::TimePoint placed{};
  std::int64_t version = 0;
};
template <>
struct ddbcrypt::model::ModelTraits<Order> {
  static auto schema() {
    return Schema<Order>("orders")
        .partition_key("customer", &Order::customer)
        .sort_key("number", &Order::number)
        .field("placed", &Order::placed, {.time_format = TimeFormat::kEpochSeconds})
        .version("version", &Order::version);
  }
};
void use(const ddbcrypt::model::Repository<Order>& orders) { (void)orders.get("alice", 1); }
