// Seeded random DynamoDB items for property tests (round trips through JSON, the legacy
// format, the encryptor).
//
// Every item is valid for DynamoDB: all ten types, maps and lists nested up to
// `max_depth` levels, unicode names and strings (2-, 3- and 4-byte UTF-8, quotes,
// backslashes, control characters), empty strings and binaries, binary with zero bytes, and
// numbers of up to `max_number_digits` significant digits in varied spellings ("12.50",
// "0.00031", "4.5E+17", "-9E-130", "1000000", "-0.00"), including values near DynamoDB's
// range limits. Negative zeros appear now and then on purpose: the reference libraries
// normalize them differently (Java "0", Python "-0"), so they exercise the code paths that
// depend on that; compare round-tripped items with `equivalent`, not `==`.
//
// The same seed gives the same items, so a failing case can be replayed:
//   std::mt19937_64 rng(seed);
//   const Item item = testing::random_item(rng);
#pragma once

#include <random>
#include <string>

#include "ddbcrypt/item/attribute_value.h"

namespace ddbcrypt::testing {

struct RandomItemOptions {
  int max_attributes = 12;       // top-level attributes per item (at least 1)
  int max_depth = 3;             // M/L nesting levels; 0 gives scalars and sets only
  int max_collection_size = 5;   // members of sets, maps and lists
  int max_string_length = 20;    // characters (not bytes) of S values and SS members
  int max_binary_length = 40;    // bytes of B values and BS members
  int max_number_digits = 28;    // significant digits (28 is where Python's context rounds)
};

// One value whose M/L nesting, counted from `depth`, stays within options.max_depth.
AttributeValue random_value(std::mt19937_64& rng, const RandomItemOptions& options = {},
                            int depth = 0);
// A non-empty attribute name, sometimes ASCII, sometimes with multi-byte UTF-8.
std::string random_name(std::mt19937_64& rng);
// A valid DynamoDB number text with 1..max_digits significant digits.
std::string random_number(std::mt19937_64& rng, int max_digits = 28);
Item random_item(std::mt19937_64& rng, const RandomItemOptions& options = {});

}  // namespace ddbcrypt::testing
