// `ddbcrypt encrypt` and `ddbcrypt decrypt`: one DynamoDB-JSON item per line, stdin to stdout.
#include <simdjson.h>

#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
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
  std::string actions_path;
  std::string default_action;
  std::vector<std::string> action_overrides;
};

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

AttributeActions actions_from_options(const ItemOptions& o) {
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

// Rethrows the error being handled as the same class with `prefix` before its message.
[[noreturn]] void rethrow_with_prefix(const std::string& prefix) {
  try {
    throw;
  } catch (const SignatureError& e) {
    throw SignatureError(prefix + e.what());
  } catch (const DecryptionError& e) {
    throw DecryptionError(prefix + e.what());
  } catch (const EncryptionError& e) {
    throw EncryptionError(prefix + e.what());
  } catch (const ConfigError& e) {
    throw ConfigError(prefix + e.what());
  } catch (const FormatError& e) {
    throw FormatError(prefix + e.what());
  }
}

bool blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

void run_items(const ItemOptions& o, bool encrypt) {
  CryptoConfig config{
      .provider = materials_from_json(read_file(o.materials_path)),
      .context = {.table_name = o.table, .partition_key_name = o.partition_key},
      .actions = actions_from_options(o),
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
      rethrow_with_prefix(prefix);
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
  auto* actions = cmd->add_option("--actions", options->actions_path,
                                  "Actions file: {\"default\": ACTION, \"override\": {NAME: ACTION}}");
  auto* default_action =
      cmd->add_option("--default-action", options->default_action,
                      "Action for attributes without an override: encrypt (default), sign, "
                      "nothing");
  auto* overrides = cmd->add_option("--action", options->action_overrides,
                                    "Per-attribute action NAME=ACTION (repeatable)");
  actions->excludes(default_action)->excludes(overrides);
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
