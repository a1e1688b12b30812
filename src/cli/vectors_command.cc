// `ddbcrypt vectors run PATH/scenarios.json`: runs the legacy encrypted-item test vectors.
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "encryptor/legacy_vectors.h"

namespace ddbcrypt::cli {

void add_vectors_command(CLI::App& app, int& exit_code) {
  CLI::App* vectors = app.add_subcommand("vectors", "Test vectors of the reference libraries");
  vectors->require_subcommand(1);
  auto path = std::make_shared<std::string>();
  CLI::App* run = vectors->add_subcommand(
      "run", "Decrypt every ciphertext of a scenarios file and compare with its plaintext");
  run->add_option("scenarios", *path, "scenarios.json (file:// paths are relative to it)")
      ->required();
  run->callback([path, &exit_code] {
    int passed = 0;
    int failed = 0;
    int skipped = 0;
    (void)internal::run_legacy_vectors(*path, [&](const internal::ScenarioResult& r) {
      switch (r.status) {
        case internal::ScenarioResult::Status::kPass:
          ++passed;
          std::cout << "PASS " << r.ciphertext << '\n';
          break;
        case internal::ScenarioResult::Status::kFail:
          ++failed;
          std::cout << "FAIL " << r.ciphertext << ": " << r.reason << '\n';
          break;
        case internal::ScenarioResult::Status::kSkip:
          ++skipped;
          std::cout << "SKIP " << r.ciphertext << ": " << r.reason << '\n';
          break;
      }
      std::cout.flush();
    });
    std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
    exit_code = failed == 0 ? kExitOk : kExitVectorsFailed;
  });
}

}  // namespace ddbcrypt::cli
