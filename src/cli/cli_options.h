// Options and helpers shared by the CLI's subcommands: attribute actions, AWS client settings,
// progress on a terminal.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "ddbcrypt/aws/client_config.h"
#include "ddbcrypt/encryptor/item_encryptor.h"

namespace ddbcrypt::cli {

// --actions FILE | --default-action ACTION --action NAME=ACTION...
struct ActionOptions {
  std::string actions_path;
  std::string default_action;
  std::vector<std::string> action_overrides;
};
void add_action_options(CLI::App& cmd, ActionOptions& options);
[[nodiscard]] AttributeActions actions_from(const ActionOptions& options);

// --endpoint-url, --region, --profile; unset ones come from the usual sources (AWS_REGION,
// AWS_ENDPOINT_URL, AWS_PROFILE, the shared config files).
struct AwsOptions {
  std::string endpoint_url;
  std::string region;
  std::string profile;
};
void add_aws_options(CLI::App& cmd, AwsOptions& options);
[[nodiscard]] aws::ClientConfig client_config(const AwsOptions& options);

// True for a line with nothing but blanks.
bool blank(const std::string& line);

// Progress of a long read on standard error: rewritten in place on a terminal, one line per
// update otherwise; silent unless standard error is a terminal or `forced`.
class Progress {
 public:
  Progress(std::string verb, bool forced);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void update(std::int64_t pages, std::int64_t scanned, std::int64_t returned);
  void finish();

 private:
  std::string verb_;
  bool enabled_ = false;
  bool terminal_ = false;
  bool pending_newline_ = false;
};

}  // namespace ddbcrypt::cli
