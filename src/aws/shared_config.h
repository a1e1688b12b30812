// The shared AWS config and credentials files (spec/aws-wire.md §7.3) and the environment
// variables that steer them.
//
// Both files are INI-like. `parse_profile_file` follows the profile-file rules the AWS SDKs
// share: full-line comments start with `#` or `;` (also after indentation); a property's value
// may carry a trailing comment only when whitespace precedes the `#`/`;`; a line indented
// after `key =` with an empty value is a sub-property (`key.sub = value`, used by
// `[services NAME]`), while an indented line after a non-empty value continues it (joined
// with "\n"). A section or property seen twice in one file is merged, the later value of a
// property winning. Property names are case-insensitive (stored lower-case, as botocore does);
// profile names are case-sensitive. In the config file profiles are `[default]` and
// `[profile NAME]` (`[profile default]` wins over `[default]`), and a bare `[NAME]` is
// ignored with a warning; in the credentials file every `[NAME]` is a profile. Section and
// property names outside [A-Za-z0-9_-/.%@] are ignored with a warning.
//
// Messages name the file and line number and never quote a line, which may hold a secret.
//
// Thread-safety: free functions and immutable values.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ddbcrypt::aws::internal {

// ---- environment ----------------------------------------------------------------------

// The variable's value; nullopt when it is unset or empty (the SDKs treat both alike).
[[nodiscard]] std::optional<std::string> env_var(const char* name);

// Parses a boolean setting: "true" or "false" in any case, surrounding blanks ignored.
// Throws ConfigError naming `setting_name` for anything else.
[[nodiscard]] bool parse_bool_setting(std::string_view value, std::string_view setting_name);

// The environment variable as a boolean; nullopt when unset. Throws as parse_bool_setting.
[[nodiscard]] std::optional<bool> env_flag(const char* name);

// ---- parsing --------------------------------------------------------------------------

enum class ProfileFileKind : std::uint8_t {
  kConfig = 1,       // ~/.aws/config: [default], [profile NAME], [services NAME], ...
  kCredentials = 2,  // ~/.aws/credentials: [NAME]
};

// The settings of one section. Keys are lower-case; values are trimmed.
struct ProfileSection {
  std::map<std::string, std::string, std::less<>> properties;
  // key -> (sub-key -> value) for `key =` followed by indented `sub = value` lines.
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>>
      sub_properties;

  // The value of `key` (lower-case); nullopt when absent. An empty value is returned as
  // present and empty.
  [[nodiscard]] std::optional<std::string> get(std::string_view key) const;
  // As get, but an empty value counts as absent (how the SDKs read most settings).
  [[nodiscard]] std::optional<std::string> non_empty(std::string_view key) const;
  // The value of `key.sub_key`; nullopt when absent.
  [[nodiscard]] std::optional<std::string> get_sub(std::string_view key,
                                                   std::string_view sub_key) const;
  // Key by key, `overrides` wins.
  void merge_from(const ProfileSection& overrides);
};

using SectionMap = std::map<std::string, ProfileSection, std::less<>>;

struct ParsedProfileFile {
  SectionMap profiles;
  SectionMap sso_sessions;  // config file only: [sso-session NAME]
  SectionMap services;      // config file only: [services NAME]
  // Lines that were ignored, e.g. "config line 7: ignored section without 'profile '".
  std::vector<std::string> warnings;
};

// Parses the text of one file. `source_name` (usually the path) appears in messages.
// Throws ConfigError for lines no SDK accepts: a property before any section, a section
// header without its closing `]`, a property without `=` or without a name, a continuation
// with nothing to continue, or a sub-property without `=`.
[[nodiscard]] ParsedProfileFile parse_profile_file(std::string_view text, ProfileFileKind kind,
                                                   std::string_view source_name);

// ---- locating and loading -------------------------------------------------------------

// `~` or a leading `~/` becomes the home directory: $HOME, else %USERPROFILE%, else the
// password database's entry for the current user. Other paths, and `~` when no home directory
// is known, are returned unchanged (such a file then simply does not exist).
[[nodiscard]] std::string expand_home(std::string_view path);

struct SharedConfigPaths {
  std::string config_file;       // AWS_CONFIG_FILE or ~/.aws/config
  std::string credentials_file;  // AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials
};
[[nodiscard]] SharedConfigPaths shared_config_paths();

// Both files, parsed. Immutable once loaded.
class SharedConfig {
 public:
  SharedConfig() = default;

  // Reads the files named by shared_config_paths(). A missing file counts as empty; a file
  // that exists but cannot be read, or cannot be parsed, is a ConfigError.
  [[nodiscard]] static SharedConfig load();
  [[nodiscard]] static SharedConfig load(const SharedConfigPaths& paths);
  // From texts already in memory (tests, embedded configuration).
  [[nodiscard]] static SharedConfig from_text(std::string_view config_text,
                                              std::string_view credentials_text);

  // The profile as the SDKs see it: the config file's settings overridden, key by key, by the
  // credentials file's. nullopt when neither file has the profile.
  [[nodiscard]] std::optional<ProfileSection> profile(std::string_view name) const;
  [[nodiscard]] bool has_profile(std::string_view name) const;
  // The [services NAME] section of the config file, or null.
  [[nodiscard]] const ProfileSection* services(std::string_view name) const;

  const SharedConfigPaths& paths() const noexcept { return paths_; }
  const ParsedProfileFile& config_file() const noexcept { return config_; }
  const ParsedProfileFile& credentials_file() const noexcept { return credentials_; }

 private:
  SharedConfigPaths paths_;
  ParsedProfileFile config_;
  ParsedProfileFile credentials_;
};

// ---- choosing the profile -------------------------------------------------------------

struct ProfileChoice {
  std::string name;
  // True when the name came from code or AWS_PROFILE / AWS_DEFAULT_PROFILE rather than
  // being the implicit "default": such a profile must exist.
  bool explicitly_requested = false;
};

// `explicit_profile` (ClientConfig::profile) > AWS_PROFILE > AWS_DEFAULT_PROFILE > "default".
[[nodiscard]] ProfileChoice choose_profile(const std::optional<std::string>& explicit_profile);

// The chosen profile's settings. An absent implicit "default" yields an empty section; an
// absent explicitly requested profile is a ConfigError naming it and both files.
[[nodiscard]] ProfileSection selected_profile(const SharedConfig& config,
                                              const ProfileChoice& choice);

}  // namespace ddbcrypt::aws::internal
