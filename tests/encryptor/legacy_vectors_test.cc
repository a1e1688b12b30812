#include "encryptor/legacy_vectors.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "legacy/vector_files.h"

namespace ddbcrypt::internal {
namespace {

using Status = ScenarioResult::Status;

const std::string kScenarios = testing::legacy_vector_path("encrypted_item/scenarios.json");

TEST(LegacyVectors, EveryOfflineScenarioDecryptsAllItsItems) {
  int reported = 0;
  const auto results = run_legacy_vectors(kScenarios, [&](const ScenarioResult&) { ++reported; });
  ASSERT_EQ(results.size(), 11u);
  EXPECT_EQ(reported, 11);
  int passed = 0;
  int skipped = 0;
  for (const auto& r : results) {
    SCOPED_TRACE(r.ciphertext);
    if (r.ciphertext.find("aws-kms") != std::string::npos ||
        r.ciphertext.find("metastore-data-tables-3") != std::string::npos) {
      EXPECT_EQ(r.status, Status::kSkip);
      EXPECT_EQ(r.reason, "needs network");
      ++skipped;
      continue;
    }
    EXPECT_EQ(r.status, Status::kPass) << r.reason;
    // 13 TableName + 3 HashKeyOnly items per data file (spec §15.4).
    EXPECT_EQ(r.items, 16);
    ++passed;
  }
  EXPECT_EQ(passed, 9);
  EXPECT_EQ(skipped, 2);
}

// A copy of the vectors with one ciphertext altered must fail, naming the item.
TEST(LegacyVectors, TamperedCiphertextFails) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ddbcrypt_vectors_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::copy(testing::legacy_vector_path("encrypted_item"), dir,
                        std::filesystem::copy_options::recursive);
  const auto file = dir / "ciphertext/python/static-aes-hmac-1.json";
  std::string text = testing::read_text_file(file.string());
  // The stored "Hello world!" ciphertext of item 5/7 starts with this base64 prefix in the
  // vector file; changing one character changes the ciphertext.
  const auto pos = text.find("\"stringValue\"");
  ASSERT_NE(pos, std::string::npos);
  const auto b = text.find("\"B\": \"", pos);
  ASSERT_NE(b, std::string::npos);
  char& c = text[b + 6];
  c = c == 'A' ? 'B' : 'A';
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
  const auto results = run_legacy_vectors((dir / "scenarios.json").string());
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(results.empty());
  EXPECT_EQ(results[0].status, Status::kFail);
  EXPECT_NE(results[0].reason.find("does not verify"), std::string::npos) << results[0].reason;
  EXPECT_NE(results[0].reason.find("TableName item hashKey="), std::string::npos);
  EXPECT_EQ(results[1].status, Status::kPass);
}

}  // namespace
}  // namespace ddbcrypt::internal
