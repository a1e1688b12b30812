// Seeded random DynamoDB items for property tests: all ten types, nested maps and lists,
// unicode names and strings (including 4-byte UTF-8), numbers of up to 28 significant digits
// in varied spellings, binary with zero bytes.
#pragma once

#include <random>
#include <string>

#include "ddbcrypt/item/attribute_value.h"

namespace ddbcrypt::testing {

struct RandomItemOptions {
  int max_attributes = 12;
  int max_depth = 3;
  int max_collection_size = 5;
};

AttributeValue random_value(std::mt19937_64& rng, const RandomItemOptions& options = {},
                            int depth = 0);
std::string random_name(std::mt19937_64& rng);
// A DynamoDB number text with up to 28 significant digits (the range both reference
// libraries normalize identically).
std::string random_number(std::mt19937_64& rng);
Item random_item(std::mt19937_64& rng, const RandomItemOptions& options = {});

}  // namespace ddbcrypt::testing
