// `ddbcrypt encrypt` and `ddbcrypt decrypt`: one DynamoDB-JSON item per line, stdin to stdout.
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "client/errors.h"
#include "ddbcrypt/encryptor/item_encryptor.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "ddbcrypt/materials/materials_file.h"

namespace ddbcrypt::cli {
namespace {

struct ItemOptions {
  std::string materials_path;
  std::string table;
  std::string partition_key;
  std::string sort_key;
  ActionOptions actions;
};

void run_items(const ItemOptions& o, bool encrypt) {
  CryptoConfig config{
      .provider = materials_from_json(read_file(o.materials_path)),
      .context = {.table_name = o.table, .partition_key_name = o.partition_key},
      .actions = actions_from(o.actions),
  };
  if (!o.sort_key.empty()) config.context.sort_key_name = o.sort_key;
  if (config.context.table_name.empty()) throw ConfigError("--table must not be empty");
  if (o.partition_key.empty()) throw ConfigError("--partition-key must not be empty");

  std::string line;
  std::string out;
  std::size_t line_number = 0;
  while (std::getline(std::cin, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string prefix = "line " + std::to_string(line_number) + ": ";
    if (blank(line)) throw FormatError(prefix + "empty line (expected one DynamoDB-JSON item)");
    try {
      Item item = parse_item_json(line);
      Item result = encrypt ? encrypt_item(std::move(item), config)
                            : decrypt_item(std::move(item), config);
      out.clear();
      append_json(out, result);
      out.push_back('\n');
      std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
    } catch (const AwsError&) {
      throw;
    } catch (const Error&) {
      internal::rethrow_with_context(prefix);
    }
    if (!std::cout) throw IoError("cannot write to standard output");
  }
  if (std::cin.bad()) throw IoError("cannot read standard input");
}

void add_item_command(CLI::App& app, int& exit_code, bool encrypt) {
  auto options = std::make_shared<ItemOptions>();
  CLI::App* cmd = app.add_subcommand(
      encrypt ? "encrypt" : "decrypt",
      encrypt ? "Encrypt and sign items: DynamoDB-JSON lines on stdin, one encrypted item per "
                "line on stdout"
              : "Verify and decrypt items: DynamoDB-JSON lines on stdin, one plaintext item per "
                "line on stdout");
  cmd->add_option("--materials", options->materials_path,
                  "Materials file (JSON: provider and keys)")
      ->required();
  cmd->add_option("--table", options->table, "Table name (signed into every item)")->required();
  cmd->add_option("--partition-key", options->partition_key, "Partition key attribute name")
      ->required();
  cmd->add_option("--sort-key", options->sort_key, "Sort key attribute name");
  add_action_options(*cmd, options->actions);
  cmd->callback([options, &exit_code, encrypt] {
    run_items(*options, encrypt);
    exit_code = kExitOk;
  });
}

}  // namespace

void add_item_commands(CLI::App& app, int& exit_code) {
  add_item_command(app, exit_code, true);
  add_item_command(app, exit_code, false);
}

}  // namespace ddbcrypt::cli
