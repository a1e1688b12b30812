// expect: no matching function for call to .*Repository<Order>::get
#include "ddbcrypt/model/repository.h"

struct Order {
  std::string customer;
  std::int64_t number = 0;
};
template <>
struct ddbcrypt::model::ModelTraits<Order> {
  static auto schema() {
    return Schema<Order>("orders").partition_key("customer", &Order::customer).sort_key("number", &Order::number);
  }
};
// The table has a sort key: a key needs both parts.
void use(const ddbcrypt::model::Repository<Order>& orders) { (void)orders.get("alice"); }
