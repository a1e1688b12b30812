#include "cli/cli_options.h"

#include <simdjson.h>
#include <unistd.h>

#include <iostream>
#include <map>
#include <utility>

#include "cli/commands.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::cli {
namespace {

AttributeActions actions_from_file(const std::string& path) {
  const std::string text = read_file(path);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text).get(root) != simdjson::SUCCESS || !root.is_object()) {
    throw ConfigError("actions file " + path + " is not a JSON object");
  }
  CryptoAction default_action = CryptoAction::kEncryptAndSign;
  std::map<std::string, CryptoAction> overrides;
  for (auto [key, value] : root.get_object()) {
    if (key == "default") {
      std::string_view name;
      if (value.get_string().get(name) != simdjson::SUCCESS) {
        throw ConfigError("actions file: \"default\" must be a string");
      }
      default_action = parse_action(name);
    } else if (key == "override") {
      simdjson::dom::object entries;
      if (value.get_object().get(entries) != simdjson::SUCCESS) {
        throw ConfigError("actions file: \"override\" must be an object");
      }
      for (auto [attribute, action] : entries) {
        std::string_view name;
        if (action.get_string().get(name) != simdjson::SUCCESS) {
          throw ConfigError("actions file: override actions must be strings");
        }
        overrides.insert_or_assign(std::string(attribute), parse_action(name));
      }
    } else {
      throw ConfigError("actions file has an unknown field (expected default and override)");
    }
  }
  return AttributeActions::create(default_action, std::move(overrides));
}

}  // namespace

void add_action_options(CLI::App& cmd, ActionOptions& options) {
  auto* actions = cmd.add_option("--actions", options.actions_path,
                                 "Actions file: {\"default\": ACTION, \"override\": {NAME: ACTION}}");
  auto* default_action =
      cmd.add_option("--default-action", options.default_action,
                     "Action for attributes without an override: encrypt (default), sign, "
                     "nothing");
  auto* overrides = cmd.add_option("--action", options.action_overrides,
                                   "Per-attribute action NAME=ACTION (repeatable)");
  actions->excludes(default_action)->excludes(overrides);
}

AttributeActions actions_from(const ActionOptions& o) {
  if (!o.actions_path.empty()) return actions_from_file(o.actions_path);
  const CryptoAction default_action =
      o.default_action.empty() ? CryptoAction::kEncryptAndSign : parse_action(o.default_action);
  std::map<std::string, CryptoAction> overrides;
  for (const std::string& entry : o.action_overrides) {
    const auto eq = entry.rfind('=');
    if (eq == std::string::npos || eq == 0) {
      throw ConfigError("--action takes NAME=ACTION (encrypt, sign or nothing)");
    }
    overrides.insert_or_assign(entry.substr(0, eq), parse_action(entry.substr(eq + 1)));
  }
  return AttributeActions::create(default_action, std::move(overrides));
}

void add_aws_options(CLI::App& cmd, AwsOptions& options) {
  cmd.add_option("--endpoint-url", options.endpoint_url,
                 "DynamoDB endpoint (default: AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, the "
                 "profile, then AWS's)");
  cmd.add_option("--region", options.region, "AWS region (default: AWS_REGION, the profile)");
  cmd.add_option("--profile", options.profile, "Shared config profile (default: AWS_PROFILE)");
}

aws::ClientConfig client_config(const AwsOptions& options) {
  aws::ClientConfig config;
  if (!options.endpoint_url.empty()) config.endpoint_override = options.endpoint_url;
  if (!options.region.empty()) config.region = options.region;
  if (!options.profile.empty()) config.profile = options.profile;
  return config;
}

bool blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

Progress::Progress(std::string verb, bool forced)
    : verb_(std::move(verb)), terminal_(::isatty(STDERR_FILENO) == 1) {
  enabled_ = forced || terminal_;
}

Progress::~Progress() {
  if (pending_newline_) std::cerr << '\n';
}

void Progress::update(std::int64_t pages, std::int64_t scanned, std::int64_t returned) {
  if (!enabled_) return;
  std::cerr << (terminal_ ? "\r" : "") << "ddbcrypt " << verb_ << ": " << pages
            << (pages == 1 ? " page, " : " pages, ") << scanned << " items read, " << returned
            << " returned" << (terminal_ ? "" : "\n");
  if (terminal_) {
    std::cerr << "\x1b[K";  // clear what a longer previous line left
    pending_newline_ = true;
  }
  std::cerr.flush();
}

void Progress::finish() {
  if (pending_newline_) std::cerr << '\n';
  pending_newline_ = false;
}

}  // namespace ddbcrypt::cli
