#include "legacy/material_description.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/error.h"
#include "legacy/vector_files.h"

namespace ddbcrypt::internal::legacy {
namespace {

struct DescriptionCase {
  int index = 0;
  MaterialDescription description;
  std::string serialized_base64;
};

std::vector<DescriptionCase> load_cases() {
  simdjson::dom::parser parser;
  const std::string text =
      testing::read_text_file(testing::legacy_vector_path("material_description.json"));
  std::vector<DescriptionCase> cases;
  int index = 0;
  for (simdjson::dom::element entry : parser.parse(text).get_array()) {
    DescriptionCase c{index++, {}, std::string(std::string_view(entry["serialized"]))};
    for (auto [key, value] : entry["material_description"].get_object()) {
      c.description.emplace(std::string(key), std::string(std::string_view(value)));
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

class MaterialDescriptionVectors : public ::testing::TestWithParam<DescriptionCase> {};

TEST_P(MaterialDescriptionVectors, SerializesToReferenceBytes) {
  EXPECT_EQ(base64_encode(serialize_material_description(GetParam().description)),
            GetParam().serialized_base64);
}

TEST_P(MaterialDescriptionVectors, ParsesToReferenceMap) {
  EXPECT_EQ(parse_material_description(base64_decode(GetParam().serialized_base64)),
            GetParam().description);
}

TEST_P(MaterialDescriptionVectors, EveryTruncationInsideAPairIsRejected) {
  const Bytes bytes = base64_decode(GetParam().serialized_base64);
  // Cutting exactly between two pairs gives a valid shorter description; every other cut
  // must fail.
  std::vector<std::size_t> boundaries{4};
  for (std::size_t pos = 4; pos < bytes.size();) {
    for (int field = 0; field < 2; ++field) {
      const std::size_t len = (std::size_t{bytes[pos]} << 24) | (std::size_t{bytes[pos + 1]} << 16) |
                              (std::size_t{bytes[pos + 2]} << 8) | bytes[pos + 3];
      pos += 4 + len;
    }
    boundaries.push_back(pos);
  }
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const bool boundary = std::find(boundaries.begin(), boundaries.end(), n) != boundaries.end();
    if (boundary) {
      EXPECT_NO_THROW((void)parse_material_description(ByteView(bytes).first(n))) << n;
    } else {
      EXPECT_THROW((void)parse_material_description(ByteView(bytes).first(n)), FormatError) << n;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Legacy, MaterialDescriptionVectors, ::testing::ValuesIn(load_cases()),
                         [](const auto& param_info) { return "case" + std::to_string(param_info.param.index); });

// Spec §6.1 worked example (python/static-aes-hmac-1.json).
TEST(MaterialDescription, WorkedExample) {
  const MaterialDescription description{{"amzn-ddb-map-signingAlg", "HmacSHA256"},
                                        {"amzn-ddb-map-sym-mode", "/CBC/PKCS5Padding"}};
  const std::string expected = "00000000"
                               "00000017" + hex_encode(as_bytes("amzn-ddb-map-signingAlg")) +
                               "0000000a" + hex_encode(as_bytes("HmacSHA256")) +
                               "00000015" + hex_encode(as_bytes("amzn-ddb-map-sym-mode")) +
                               "00000011" + hex_encode(as_bytes("/CBC/PKCS5Padding"));
  EXPECT_EQ(hex_encode(serialize_material_description(description)), expected);
  EXPECT_EQ(parse_material_description(hex_decode(expected)), description);
}

TEST(MaterialDescription, EmptyIsFourZeroBytes) {
  EXPECT_EQ(base64_encode(serialize_material_description({})), "AAAAAA==");
  EXPECT_TRUE(parse_material_description(hex_decode("00000000")).empty());
}

TEST(MaterialDescription, ReadsAnyOrderAndLastDuplicateWins) {
  const Bytes unsorted = hex_decode("00000000"
                                    "0000000162" "0000000131"
                                    "0000000161" "0000000132"
                                    "0000000162" "0000000133");
  EXPECT_EQ(parse_material_description(unsorted),
            (MaterialDescription{{"a", "2"}, {"b", "3"}}));
}

TEST(MaterialDescription, RejectsUnknownVersion) {
  EXPECT_THROW((void)parse_material_description(hex_decode("00000001")), FormatError);
  EXPECT_THROW((void)parse_material_description(hex_decode("80000000")), FormatError);
}

TEST(MaterialDescription, RejectsShortVersion) {
  EXPECT_THROW((void)parse_material_description(hex_decode("000000")), FormatError);
}

TEST(MaterialDescription, RejectsLengthPastEnd) {
  EXPECT_THROW((void)parse_material_description(hex_decode("00000000ffffffff61")), FormatError);
}

}  // namespace
}  // namespace ddbcrypt::internal::legacy
