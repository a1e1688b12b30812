// `ddbcrypt meta create-table` and `ddbcrypt meta new-version`: the MetaStore table of the
// most-recent provider (shared with the reference libraries), from the command line.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/materials/dynamodb_meta_store.h"
#include "ddbcrypt/materials/materials_file.h"
#include "ddbcrypt/materials/most_recent_provider.h"

namespace ddbcrypt::cli {
namespace {

struct CreateTableOptions {
  std::string table;
  std::optional<std::int64_t> read_units;
  std::optional<std::int64_t> write_units;
  bool no_wait = false;
};

struct NewVersionOptions {
  std::string materials_path;
};

void create_table(const CreateTableOptions& o) {
  if (o.table.empty()) throw ConfigError("--table must not be empty");
  if (o.read_units.has_value() != o.write_units.has_value()) {
    throw ConfigError("--read-units and --write-units go together (provisioned capacity); give "
                      "neither for on-demand capacity");
  }
  MetaTableOptions options;
  if (o.read_units) {
    options.provisioned_throughput = aws::ProvisionedThroughput{
        .read_capacity_units = *o.read_units, .write_capacity_units = *o.write_units};
  }
  if (o.no_wait) options.wait.reset();
  const aws::TableDescription table =
      DynamoDbMetaStore::create_table(*aws::make_dynamodb_client(), o.table, options);
  std::cout << table.table_name << ' ' << table.table_status << '\n';
}

void new_version(const NewVersionOptions& o) {
  const auto provider = materials_from_json(read_file(o.materials_path));
  const auto* most_recent = dynamic_cast<const MostRecentProvider*>(provider.get());
  if (most_recent == nullptr) {
    throw ConfigError("meta new-version needs a \"most-recent\" materials file");
  }
  std::cout << most_recent->rotate() << '\n';
}

}  // namespace

void add_meta_commands(CLI::App& app, int& exit_code) {
  CLI::App* meta = app.add_subcommand(
      "meta", "Manage the DynamoDB meta table of most-recent materials (reference layout)");
  meta->require_subcommand(1);

  auto create = std::make_shared<CreateTableOptions>();
  CLI::App* create_cmd = meta->add_subcommand(
      "create-table", "Create a meta table (partition key N: S, sort key V: N) and wait until "
                      "it is ACTIVE; prints its name and status");
  create_cmd->add_option("--table", create->table, "Table name")->required();
  create_cmd->add_option("--read-units", create->read_units,
                         "Provisioned read capacity (default: on-demand)");
  create_cmd->add_option("--write-units", create->write_units,
                         "Provisioned write capacity (default: on-demand)");
  create_cmd->add_flag("--no-wait", create->no_wait, "Return while the table is CREATING");
  create_cmd->callback([create, &exit_code] {
    create_table(*create);
    exit_code = kExitOk;
  });

  auto version = std::make_shared<NewVersionOptions>();
  CLI::App* version_cmd = meta->add_subcommand(
      "new-version", "Create the next version of a most-recent material (max + 1, or 0); "
                     "prints it");
  version_cmd->add_option("--materials", version->materials_path,
                          "A \"most-recent\" materials file")
      ->required();
  version_cmd->callback([version, &exit_code] {
    new_version(*version);
    exit_code = kExitOk;
  });
}

}  // namespace ddbcrypt::cli
