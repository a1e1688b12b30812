#include "aws/shared_config.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "ddbcrypt/error.h"

namespace ddbcrypt::aws::internal {
namespace {

constexpr std::string_view kBlanks = " \t";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kBlanks);
  return s.substr(first, last - first + 1);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_identifier(std::string_view s) {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '/' || c == '.' || c == '%' || c == '@';
    if (!ok) return false;
  }
  return true;
}

// "profile NAME" -> "NAME" when `inner` starts with `word` followed by a blank.
std::optional<std::string_view> strip_section_word(std::string_view inner, std::string_view word) {
  if (inner.size() <= word.size() || inner.substr(0, word.size()) != word) return std::nullopt;
  const char next = inner[word.size()];
  if (next != ' ' && next != '\t') return std::nullopt;
  return trim(inner.substr(word.size()));
}

// The position of the earliest of the given markers, or npos.
std::size_t find_first_of_markers(std::string_view line,
                                  std::initializer_list<std::string_view> markers) {
  std::size_t best = std::string_view::npos;
  for (std::string_view m : markers) {
    const auto pos = line.find(m);
    if (pos < best) best = pos;
  }
  return best;
}

class Parser {
 public:
  Parser(ProfileFileKind kind, std::string_view source) : kind_(kind), source_(source) {}

  void line(std::string_view raw) {
    ++line_number_;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    const std::string_view content = trim(raw);
    if (content.empty()) return;
    // Indented comment lines are comments too (botocore's configparser reads them so), so a
    // commented-out line inside a services block does not break the block.
    if (content.front() == '#' || content.front() == ';') return;
    if (raw.front() == '[') {
      section_header(raw);
    } else if (raw.front() == ' ' || raw.front() == '\t') {
      continuation(content);
    } else {
      property(raw);
    }
  }

  ParsedProfileFile finish() { return std::move(result_); }

 private:
  [[noreturn]] void fail(std::string_view what) const {
    throw ConfigError(std::string(source_) + " line " + std::to_string(line_number_) + ": " +
                      std::string(what));
  }
  void warn(std::string_view what) {
    result_.warnings.push_back(std::string(source_) + " line " + std::to_string(line_number_) +
                               ": " + std::string(what));
  }

  void ignore_section(std::string_view why) {
    warn(why);
    section_ = nullptr;
    ignoring_section_ = true;
    key_.clear();
  }

  void section_header(std::string_view raw) {
    // A header may carry a comment right after it, even without a blank before it.
    std::string_view header = raw.substr(0, find_first_of_markers(raw, {"#", ";"}));
    header = trim(header);
    if (header.size() < 2 || header.back() != ']') fail("section header without closing ']'");
    const std::string_view inner = trim(header.substr(1, header.size() - 2));

    SectionMap* target = &result_.profiles;
    std::string_view name = inner;
    bool profile_prefix = false;
    if (kind_ == ProfileFileKind::kConfig) {
      if (auto n = strip_section_word(inner, "profile")) {
        name = *n;
        profile_prefix = true;
      } else if (auto s = strip_section_word(inner, "sso-session")) {
        name = *s;
        target = &result_.sso_sessions;
      } else if (auto v = strip_section_word(inner, "services")) {
        name = *v;
        target = &result_.services;
      } else if (inner != "default") {
        ignore_section("ignored section that is neither [default] nor [profile NAME]");
        return;
      }
    }
    if (name.empty() || !is_identifier(name)) {
      ignore_section("ignored section whose name has characters outside [A-Za-z0-9_-/.%@]");
      return;
    }
    if (kind_ == ProfileFileKind::kConfig && target == &result_.profiles && name == "default") {
      // [profile default] takes precedence over [default] wherever each appears.
      if (profile_prefix && !seen_prefixed_default_) {
        result_.profiles.erase("default");
        seen_prefixed_default_ = true;
      } else if (!profile_prefix && seen_prefixed_default_) {
        ignore_section("ignored [default] because [profile default] is present");
        return;
      }
    }
    // A repeated section continues the earlier one: its properties are merged.
    section_ = &(*target)[std::string(name)];
    ignoring_section_ = false;
    ignoring_property_ = false;
    key_.clear();
  }

  void property(std::string_view raw) {
    // A trailing comment needs a blank before it; otherwise `#` and `;` belong to the value.
    std::string_view text = raw.substr(0, find_first_of_markers(raw, {" #", " ;", "\t#", "\t;"}));
    text = trim(text);
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) fail("expected 'name = value'");
    const std::string_view key = trim(text.substr(0, eq));
    if (key.empty()) fail("property without a name");
    if (ignoring_section_) {
      key_.clear();
      return;
    }
    if (section_ == nullptr) fail("property before any section header");
    if (!is_identifier(key)) {
      warn("ignored property whose name has characters outside [A-Za-z0-9_-/.%@]");
      key_.clear();
      ignoring_property_ = true;
      return;
    }
    std::string lower = to_lower(key);
    const std::string_view value = trim(text.substr(eq + 1));
    if (section_->properties.count(lower) != 0) {
      warn("property '" + lower + "' repeated; the later value is used");
    }
    section_->properties[lower] = std::string(value);
    section_->sub_properties.erase(lower);
    sub_block_ = value.empty();
    key_ = std::move(lower);
    ignoring_property_ = false;
  }

  void continuation(std::string_view content) {
    if (ignoring_section_ || ignoring_property_) return;
    if (section_ == nullptr || key_.empty()) fail("indented line without a property to continue");
    std::string& value = section_->properties[key_];
    value += '\n';
    value += content;
    if (!sub_block_) return;
    const auto eq = content.find('=');
    if (eq == std::string_view::npos) fail("expected 'name = value' in a sub-property");
    const std::string_view sub_key = trim(content.substr(0, eq));
    if (sub_key.empty()) fail("sub-property without a name");
    section_->sub_properties[key_][to_lower(sub_key)] = std::string(trim(content.substr(eq + 1)));
  }

  ProfileFileKind kind_;
  std::string_view source_;
  ParsedProfileFile result_;
  std::size_t line_number_ = 0;
  ProfileSection* section_ = nullptr;
  bool ignoring_section_ = false;
  bool ignoring_property_ = false;
  bool sub_block_ = false;
  bool seen_prefixed_default_ = false;
  std::string key_;
};

std::optional<std::string> home_directory() {
  if (auto home = env_var("HOME")) return home;
  if (auto profile = env_var("USERPROFILE")) return profile;
  struct passwd entry {};
  struct passwd* found = nullptr;
  std::string buffer(16384, '\0');
  if (getpwuid_r(getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr &&
      found->pw_dir != nullptr && found->pw_dir[0] != '\0') {
    return std::string(found->pw_dir);
  }
  return std::nullopt;
}

ParsedProfileFile load_file(const std::string& path, ProfileFileKind kind) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return {};
  if (std::filesystem::is_directory(status)) {
    throw ConfigError("AWS shared file " + path + " is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read AWS shared file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError("cannot read AWS shared file " + path);
  return parse_profile_file(text.str(), kind, path);
}

}  // namespace

std::optional<std::string> env_var(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || value[0] == '\0') return std::nullopt;
  return std::string(value);
}

bool parse_bool_setting(std::string_view value, std::string_view setting_name) {
  const std::string v = to_lower(trim(value));
  if (v == "true") return true;
  if (v == "false") return false;
  throw ConfigError(std::string(setting_name) + " must be 'true' or 'false'");
}

std::optional<bool> env_flag(const char* name) {
  const auto value = env_var(name);
  if (!value) return std::nullopt;
  return parse_bool_setting(*value, name);
}

std::optional<std::string> ProfileSection::get(std::string_view key) const {
  const auto it = properties.find(key);
  if (it == properties.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> ProfileSection::non_empty(std::string_view key) const {
  const auto it = properties.find(key);
  if (it == properties.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::optional<std::string> ProfileSection::get_sub(std::string_view key,
                                                   std::string_view sub_key) const {
  const auto it = sub_properties.find(key);
  if (it == sub_properties.end()) return std::nullopt;
  const auto sub = it->second.find(sub_key);
  if (sub == it->second.end()) return std::nullopt;
  return sub->second;
}

void ProfileSection::merge_from(const ProfileSection& overrides) {
  for (const auto& [key, value] : overrides.properties) {
    properties[key] = value;
    // A key redefined by the overriding file brings its own sub-properties, or none.
    sub_properties.erase(key);
  }
  for (const auto& [key, subs] : overrides.sub_properties) sub_properties[key] = subs;
}

ParsedProfileFile parse_profile_file(std::string_view text, ProfileFileKind kind,
                                     std::string_view source_name) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
  Parser parser(kind, source_name);
  while (!text.empty()) {
    const auto end = text.find('\n');
    parser.line(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return parser.finish();
}

std::string expand_home(std::string_view path) {
  if (path.empty() || path.front() != '~') return std::string(path);
  if (path.size() > 1 && path[1] != '/' && path[1] != '\\') return std::string(path);
  const auto home = home_directory();
  if (!home) return std::string(path);
  std::string out = *home;
  if (!out.empty() && (out.back() == '/' || out.back() == '\\') && path.size() > 1) out.pop_back();
  out.append(path.substr(1));
  return out;
}

SharedConfigPaths shared_config_paths() {
  SharedConfigPaths paths;
  paths.config_file = expand_home(env_var("AWS_CONFIG_FILE").value_or("~/.aws/config"));
  paths.credentials_file =
      expand_home(env_var("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"));
  return paths;
}

SharedConfig SharedConfig::load() { return load(shared_config_paths()); }

SharedConfig SharedConfig::load(const SharedConfigPaths& paths) {
  SharedConfig config;
  config.paths_ = paths;
  config.config_ = load_file(paths.config_file, ProfileFileKind::kConfig);
  config.credentials_ = load_file(paths.credentials_file, ProfileFileKind::kCredentials);
  return config;
}

SharedConfig SharedConfig::from_text(std::string_view config_text,
                                     std::string_view credentials_text) {
  SharedConfig config;
  config.paths_ = {"(config text)", "(credentials text)"};
  config.config_ = parse_profile_file(config_text, ProfileFileKind::kConfig, "config text");
  config.credentials_ =
      parse_profile_file(credentials_text, ProfileFileKind::kCredentials, "credentials text");
  return config;
}

std::optional<ProfileSection> SharedConfig::profile(std::string_view name) const {
  const auto in_config = config_.profiles.find(name);
  const auto in_credentials = credentials_.profiles.find(name);
  if (in_config == config_.profiles.end() && in_credentials == credentials_.profiles.end()) {
    return std::nullopt;
  }
  ProfileSection merged;
  if (in_config != config_.profiles.end()) merged = in_config->second;
  if (in_credentials != credentials_.profiles.end()) merged.merge_from(in_credentials->second);
  return merged;
}

bool SharedConfig::has_profile(std::string_view name) const {
  return config_.profiles.count(name) != 0 || credentials_.profiles.count(name) != 0;
}

const ProfileSection* SharedConfig::services(std::string_view name) const {
  const auto it = config_.services.find(name);
  return it == config_.services.end() ? nullptr : &it->second;
}

ProfileChoice choose_profile(const std::optional<std::string>& explicit_profile) {
  if (explicit_profile && !explicit_profile->empty()) return {*explicit_profile, true};
  if (auto name = env_var("AWS_PROFILE")) return {std::move(*name), true};
  if (auto name = env_var("AWS_DEFAULT_PROFILE")) return {std::move(*name), true};
  return {"default", false};
}

ProfileSection selected_profile(const SharedConfig& config, const ProfileChoice& choice) {
  if (auto profile = config.profile(choice.name)) return std::move(*profile);
  if (choice.explicitly_requested) {
    throw ConfigError("AWS profile '" + choice.name + "' was requested but is in neither " +
                      config.paths().credentials_file + " nor " + config.paths().config_file);
  }
  return {};
}

}  // namespace ddbcrypt::aws::internal
