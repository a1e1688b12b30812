// `ddbcrypt put|get|delete|query|scan --table T --materials FILE ...`: encrypted table access
// from the command line. Items and keys are DynamoDB-JSON (or native JSON with --native), one
// per line; items read are written to standard output the same way.
#include <simdjson.h>

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "client/errors.h"
#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/aws/kms_client.h"
#include "ddbcrypt/client/encrypted_client.h"
#include "ddbcrypt/client/encrypted_table.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "ddbcrypt/item/native.h"
#include "ddbcrypt/materials/materials_file.h"

namespace ddbcrypt::cli {
namespace {

// Items handed to one batch_write_item call (the client sends them 25 at a time); bounds
// memory whatever the input's size.
constexpr std::size_t kItemsPerBatch = 500;

struct TableOptions {
  std::string materials_path;
  std::string table;
  ActionOptions actions;
  AwsOptions aws;
  bool native = false;
  // put / get / delete
  std::vector<std::string> keys;
  std::string condition;
  // get / query / scan
  bool consistent = false;
  std::string projection;
  std::string names_json;
  std::string values_json;
  // query / scan
  std::string key_condition;
  std::string filter;
  std::string index;
  std::int32_t page_size = 0;
  std::int64_t max_items = -1;
  bool descending = false;
  std::int32_t segment = -1;
  std::int32_t total_segments = 0;
  bool progress = false;
};

std::unique_ptr<EncryptedTable> open_table(const TableOptions& o) {
  if (o.table.empty()) throw ConfigError("--table must not be empty");
  std::shared_ptr<aws::DynamoDbClient> ddb = aws::make_dynamodb_client(client_config(o.aws));
  // A most-recent provider's meta table is reached like the data table; KMS keeps its own
  // endpoint (AWS_ENDPOINT_URL_KMS, ...), since --endpoint-url names DynamoDB's.
  const MaterialsFileOptions materials{
      .kms_client =
          [aws_options = o.aws](const std::string& region) {
            aws::ClientConfig config;
            if (!aws_options.profile.empty()) config.profile = aws_options.profile;
            if (!region.empty()) {
              config.region = region;
            } else if (!aws_options.region.empty()) {
              config.region = aws_options.region;
            }
            return aws::make_kms_client(config);
          },
      .dynamodb_client = [ddb] { return ddb; },
  };
  std::shared_ptr<const EncryptedClient> client = EncryptedClient::create(
      ddb, {.provider = materials_from_json(read_file(o.materials_path), materials),
            .actions = actions_from(o.actions)});
  return EncryptedTable::create(client, o.table);
}

Item parse_item(const std::string& text, const TableOptions& o) {
  return o.native ? parse_native_json_item(text) : parse_item_json(text);
}

void write_item(const Item& item, const TableOptions& o, std::string& buffer) {
  buffer.clear();
  if (o.native) {
    buffer = to_native_json(item);
  } else {
    append_json(buffer, item);
  }
  buffer.push_back('\n');
  std::cout.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  if (!std::cout) throw IoError("cannot write to standard output");
}

aws::ExpressionAttributeNames parse_names(const std::string& json) {
  aws::ExpressionAttributeNames names;
  if (json.empty()) return names;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(json).get(object) != simdjson::SUCCESS) {
    throw ConfigError("--names must be a JSON object of strings ({\"#n\": \"name\"})");
  }
  for (auto [placeholder, name] : object) {
    std::string_view text;
    if (name.get_string().get(text) != simdjson::SUCCESS) {
      throw ConfigError("--names must be a JSON object of strings ({\"#n\": \"name\"})");
    }
    names.emplace(std::string(placeholder), std::string(text));
  }
  return names;
}

aws::ExpressionAttributeValues parse_values(const std::string& json, const TableOptions& o) {
  if (json.empty()) return {};
  try {
    return parse_item(json, o);
  } catch (const FormatError& e) {
    throw FormatError(std::string("--values: ") + e.what());
  }
}

std::optional<std::string> optional_text(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

// Calls `f` with each item of standard input (or each --key), numbered from 1.
template <class F>
void for_each_input(const TableOptions& o, const std::vector<std::string>& given, F&& f) {
  auto one = [&](const std::string& text, std::size_t n, const std::string& where) {
    Item item;
    try {
      item = parse_item(text, o);
    } catch (const Error&) {
      internal::rethrow_with_context(where);
    }
    f(std::move(item), n, where);
  };
  if (!given.empty()) {
    for (std::size_t i = 0; i < given.size(); ++i) {
      one(given[i], i + 1, "--key " + std::to_string(i + 1) + ": ");
    }
    return;
  }
  std::string line;
  std::size_t n = 0;
  while (std::getline(std::cin, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = "line " + std::to_string(n) + ": ";
    if (blank(line)) throw FormatError(where + "empty line (expected one item)");
    one(line, n, where);
  }
  if (std::cin.bad()) throw IoError("cannot read standard input");
}

int run_put(const TableOptions& o) {
  const auto table = open_table(o);
  const WriteCondition condition{.expression = o.condition,
                                 .expression_attribute_names = parse_names(o.names_json),
                                 .expression_attribute_values = parse_values(o.values_json, o)};
  std::vector<Item> batch;
  std::int64_t written = 0;
  Progress progress("put", o.progress);
  auto flush = [&] {
    if (batch.empty()) return;
    table->batch_put_items(batch);
    written += static_cast<std::int64_t>(batch.size());
    batch.clear();
    progress.update(0, written, written);
  };
  for_each_input(o, {}, [&](Item item, std::size_t, const std::string& where) {
    if (o.condition.empty()) {
      batch.push_back(std::move(item));
      if (batch.size() >= kItemsPerBatch) flush();
      return;
    }
    try {
      table->put_item(item, condition);
    } catch (const DynamoDbError& e) {
      if (!e.is_conditional_check_failed()) throw;
      throw DynamoDbError(AwsErrorInfo{
          .error_code = e.error_code(),
          .message = where + "the condition did not hold; items before this line were written",
          .http_status = e.http_status(),
          .request_id = e.request_id()});
    }
    ++written;
  });
  flush();
  progress.finish();
  return kExitOk;
}

int run_get(const TableOptions& o) {
  const auto table = open_table(o);
  const ReadOptions read{.consistent_read = o.consistent,
                         .projection_expression = optional_text(o.projection),
                         .expression_attribute_names = parse_names(o.names_json)};
  std::string buffer;
  int missing = 0;
  for_each_input(o, o.keys, [&](Item key, std::size_t, const std::string& where) {
    const std::optional<Item> item = table->get_item(key, read);
    if (!item) {
      std::cout.flush();
      std::cerr << "ddbcrypt: " << where << "no item has this key\n";
      ++missing;
      return;
    }
    write_item(*item, o, buffer);
  });
  return missing == 0 ? kExitOk : kExitNotFound;
}

int run_delete(const TableOptions& o) {
  const auto table = open_table(o);
  std::vector<Item> batch;
  for_each_input(o, o.keys, [&](Item key, std::size_t, const std::string&) {
    batch.push_back(std::move(key));
    if (batch.size() >= kItemsPerBatch) {
      table->batch_delete_items(batch);
      batch.clear();
    }
  });
  if (!batch.empty()) table->batch_delete_items(batch);
  return kExitOk;
}

int drain(ItemReader& reader, const TableOptions& o, const char* verb) {
  Progress progress(verb, o.progress);
  std::string buffer;
  std::int64_t pages = -1;
  std::int64_t written = 0;
  while (o.max_items < 0 || written < o.max_items) {
    std::optional<Item> item = reader.next();
    if (reader.pages() != pages) {
      pages = reader.pages();
      progress.update(reader.pages(), reader.scanned_count(), reader.returned_count());
    }
    if (!item) break;
    write_item(*item, o, buffer);
    ++written;
  }
  progress.update(reader.pages(), reader.scanned_count(), reader.returned_count());
  progress.finish();
  return kExitOk;
}

int run_query(const TableOptions& o) {
  const auto table = open_table(o);
  aws::QueryRequest request{
      .index_name = optional_text(o.index),
      .key_condition_expression = o.key_condition,
      .filter_expression = optional_text(o.filter),
      .projection_expression = optional_text(o.projection),
      .expression_attribute_names = parse_names(o.names_json),
      .expression_attribute_values = parse_values(o.values_json, o),
  };
  if (o.page_size > 0) request.limit = o.page_size;
  if (o.consistent) request.consistent_read = true;
  if (o.descending) request.scan_index_forward = false;
  ItemReader reader = table->query(std::move(request));
  return drain(reader, o, "query");
}

int run_scan(const TableOptions& o) {
  const auto table = open_table(o);
  aws::ScanRequest request{
      .index_name = optional_text(o.index),
      .filter_expression = optional_text(o.filter),
      .projection_expression = optional_text(o.projection),
      .expression_attribute_names = parse_names(o.names_json),
      .expression_attribute_values = parse_values(o.values_json, o),
  };
  if (o.page_size > 0) request.limit = o.page_size;
  if (o.consistent) request.consistent_read = true;
  if (o.total_segments > 0) {
    if (o.segment < 0 || o.segment >= o.total_segments) {
      throw ConfigError("--segment must be in 0 .. --total-segments - 1");
    }
    request.segment = o.segment;
    request.total_segments = o.total_segments;
  } else if (o.segment >= 0) {
    throw ConfigError("--segment needs --total-segments");
  }
  ItemReader reader = table->scan(std::move(request));
  return drain(reader, o, "scan");
}

CLI::App* add_table_command(CLI::App& app, const char* name, const char* help,
                            std::shared_ptr<TableOptions>& options) {
  options = std::make_shared<TableOptions>();
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->add_option("--table", options->table, "Table name")->required();
  cmd->add_option("--materials", options->materials_path,
                  "Materials file (JSON: provider and keys)")
      ->required();
  add_action_options(*cmd, options->actions);
  add_aws_options(*cmd, options->aws);
  cmd->add_flag("--native", options->native,
                "Items, keys and --values as native JSON ({\"pk\": \"a\", \"n\": 1}) instead of "
                "DynamoDB-JSON");
  return cmd;
}

void add_read_options(CLI::App& cmd, TableOptions& o) {
  cmd.add_flag("--consistent", o.consistent, "Strongly consistent reads");
  cmd.add_option("--projection", o.projection,
                 "ProjectionExpression: only these attributes are returned (the signed ones are "
                 "read as well, to verify the item)");
  cmd.add_option("--names", o.names_json, "ExpressionAttributeNames as JSON: {\"#n\": \"name\"}");
}

void add_scan_options(CLI::App& cmd, TableOptions& o) {
  cmd.add_option("--filter", o.filter, "FilterExpression (signed or unprotected attributes only)");
  cmd.add_option("--values", o.values_json,
                 "ExpressionAttributeValues as JSON: {\":v\": {\"S\": \"x\"}} (native with "
                 "--native)");
  cmd.add_option("--index", o.index, "Secondary index to read");
  cmd.add_option("--page-size", o.page_size, "Items DynamoDB evaluates per request (Limit)")
      ->check(CLI::Range(1, 1000000));
  cmd.add_option("--max-items", o.max_items, "Stop after writing this many items")
      ->check(CLI::NonNegativeNumber);
  cmd.add_flag("--progress", o.progress,
               "Show progress on standard error even when it is not a terminal");
}

}  // namespace

void add_table_commands(CLI::App& app, int& exit_code) {
  std::shared_ptr<TableOptions> put;
  CLI::App* put_cmd =
      add_table_command(app, "put",
                        "Encrypt and write items: one item per line on stdin (BatchWriteItem, or "
                        "PutItem with --condition)",
                        put);
  put_cmd->add_option("--condition", put->condition, "ConditionExpression for every item");
  put_cmd->add_option("--names", put->names_json, "ExpressionAttributeNames as JSON");
  put_cmd->add_option("--values", put->values_json, "ExpressionAttributeValues as JSON");
  put_cmd->add_flag("--progress", put->progress, "Show progress on standard error");
  put_cmd->callback([put, &exit_code] { exit_code = run_put(*put); });

  std::shared_ptr<TableOptions> get;
  CLI::App* get_cmd = add_table_command(
      app, "get",
      "Read, verify and decrypt items by key: --key JSON (repeatable) or one key per line on "
      "stdin; exit code 10 if a key has no item",
      get);
  get_cmd->add_option("--key", get->keys, "Primary key as JSON (repeatable)");
  add_read_options(*get_cmd, *get);
  get_cmd->callback([get, &exit_code] { exit_code = run_get(*get); });

  std::shared_ptr<TableOptions> del;
  CLI::App* delete_cmd = add_table_command(
      app, "delete", "Delete items by key: --key JSON (repeatable) or one key per line on stdin",
      del);
  delete_cmd->add_option("--key", del->keys, "Primary key as JSON (repeatable)");
  delete_cmd->callback([del, &exit_code] { exit_code = run_delete(*del); });

  std::shared_ptr<TableOptions> query;
  CLI::App* query_cmd = add_table_command(
      app, "query", "Query a table or index; decrypted items, one per line, on stdout", query);
  query_cmd->add_option("--key-condition", query->key_condition, "KeyConditionExpression")
      ->required();
  query_cmd->add_flag("--descending", query->descending, "Descending sort key order");
  add_read_options(*query_cmd, *query);
  add_scan_options(*query_cmd, *query);
  query_cmd->callback([query, &exit_code] { exit_code = run_query(*query); });

  std::shared_ptr<TableOptions> scan;
  CLI::App* scan_cmd = add_table_command(
      app, "scan",
      "Scan a table or index; decrypted items, one per line, on stdout (progress on stderr on a "
      "terminal or with --progress)",
      scan);
  scan_cmd->add_option("--segment", scan->segment, "Parallel scan: this worker's segment");
  scan_cmd->add_option("--total-segments", scan->total_segments,
                       "Parallel scan: number of segments")
      ->check(CLI::Range(1, 1000000));
  add_read_options(*scan_cmd, *scan);
  add_scan_options(*scan_cmd, *scan);
  scan_cmd->callback([scan, &exit_code] { exit_code = run_scan(*scan); });
}

}  // namespace ddbcrypt::cli
