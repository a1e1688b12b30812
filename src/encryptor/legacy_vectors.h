// Runs the encrypted-item scenarios of the legacy test vectors (spec §15.3, §15.4): decrypts
// every ciphertext item with the scenario's keys and compares it with the expanded plaintext.
// Used by `ddbcrypt vectors run` and by the tests.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace ddbcrypt::internal {

struct ScenarioResult {
  enum class Status : std::uint8_t { kPass = 0, kFail = 1, kSkip = 2 };
  std::string ciphertext;  // the scenario's ciphertext path, relative to scenarios.json
  Status status = Status::kFail;
  std::string reason;      // why it failed or was skipped
  int items = 0;           // ciphertext items decrypted and compared
};

// Runs every scenario of `scenarios_path`, calling `report` after each. Network scenarios
// are skipped. Throws ConfigError / FormatError only when the scenarios file itself (or its
// keys or plaintext file) cannot be read; a failing scenario is reported, not thrown.
std::vector<ScenarioResult> run_legacy_vectors(
    const std::string& scenarios_path,
    const std::function<void(const ScenarioResult&)>& report = {});

}  // namespace ddbcrypt::internal
