// ScopedEnvironment: changes to environment variables that a test undoes when it ends.
//
//   testing::ScopedEnvironment env;
//   env.unset_prefixed("AWS_");
//   env.set("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/test");
//   ...  // on destruction every variable touched gets back its old value, or is unset again
//
// Thread-safety: none. The environment is process-wide and setenv is not thread-safe; use it
// where no other thread reads the environment (tests in one binary run one at a time).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ddbcrypt::testing {

class ScopedEnvironment {
 public:
  ScopedEnvironment() = default;
  // Restores every variable this guard changed.
  ~ScopedEnvironment();
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

  void set(const std::string& name, const std::string& value);
  void unset(const std::string& name);
  // Unsets every variable whose name starts with `prefix`.
  void unset_prefixed(std::string_view prefix);
  // Unsets http_proxy, https_proxy, all_proxy, no_proxy in both cases, and REQUEST_METHOD,
  // so an HTTP client sees no proxy configuration.
  void unset_proxies();

 private:
  void remember(const std::string& name);
  std::map<std::string, std::optional<std::string>> saved_;  // value before the first change
};

}  // namespace ddbcrypt::testing
