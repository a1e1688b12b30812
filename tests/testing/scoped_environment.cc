#include "testing/scoped_environment.h"

#include <stdlib.h>

#include <cstdlib>
#include <vector>

extern char** environ;

namespace ddbcrypt::testing {

ScopedEnvironment::~ScopedEnvironment() {
  for (const auto& [name, value] : saved_) {
    if (value) {
      ::setenv(name.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
}

void ScopedEnvironment::remember(const std::string& name) {
  if (saved_.count(name) != 0) return;
  const char* value = std::getenv(name.c_str());
  saved_.emplace(name, value ? std::optional<std::string>(value) : std::nullopt);
}

void ScopedEnvironment::set(const std::string& name, const std::string& value) {
  remember(name);
  ::setenv(name.c_str(), value.c_str(), 1);
}

void ScopedEnvironment::unset(const std::string& name) {
  remember(name);
  ::unsetenv(name.c_str());
}

void ScopedEnvironment::unset_prefixed(std::string_view prefix) {
  std::vector<std::string> names;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::string_view name = text.substr(0, text.find('='));
    if (name.substr(0, prefix.size()) == prefix) names.emplace_back(name);
  }
  for (const auto& name : names) unset(name);
}

void ScopedEnvironment::unset_proxies() {
  for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                           "ALL_PROXY", "no_proxy", "NO_PROXY", "REQUEST_METHOD"}) {
    unset(name);
  }
}

}  // namespace ddbcrypt::testing
