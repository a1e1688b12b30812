// `ddbcrypt stream decrypt`: verifies and decrypts the images of DynamoDB Streams records read
// from standard input, as a Lambda event ({"Records": [...]}), a GetRecords response, one
// record object, or JSON lines of either; writes the same shape with plaintext images.
#include <simdjson.h>

#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "client/errors.h"
#include "ddbcrypt/client/stream_decryption.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/materials/materials_file.h"

namespace ddbcrypt::cli {
namespace {

struct StreamOptions {
  std::string materials_path;
  std::string table;
  std::string partition_key;
  std::string sort_key;
  ActionOptions actions;
};

// One event or record object; which one is told by a top-level "Records" member.
std::string decrypt_document(std::string_view text, const CryptoConfig& config) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(text.data(), text.size()).get(object) != simdjson::SUCCESS) {
    throw FormatError("not a JSON object (expected a stream event or record)");
  }
  simdjson::dom::element records;
  if (object["Records"].get(records) == simdjson::SUCCESS) {
    return decrypt_stream_event_json(text, config);
  }
  return decrypt_stream_record_json(text, config);
}

void run_stream_decrypt(const StreamOptions& o) {
  if (o.table.empty()) throw ConfigError("--table must not be empty");
  if (o.partition_key.empty()) throw ConfigError("--partition-key must not be empty");
  CryptoConfig config{
      .provider = materials_from_json(read_file(o.materials_path)),
      .context = {.table_name = o.table, .partition_key_name = o.partition_key},
      .actions = actions_from(o.actions),
  };
  if (!o.sort_key.empty()) config.context.sort_key_name = o.sort_key;

  const std::string input(std::istreambuf_iterator<char>(std::cin), {});
  if (std::cin.bad()) throw IoError("cannot read standard input");
  simdjson::dom::parser probe;
  simdjson::dom::element whole;
  std::string out;
  if (probe.parse(input).get(whole) == simdjson::SUCCESS) {
    out = decrypt_document(input, config);
    out.push_back('\n');
  } else {
    // JSON lines: one event or record per line.
    std::istringstream lines(input);
    std::string line;
    std::size_t n = 0;
    while (std::getline(lines, line)) {
      ++n;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (blank(line)) continue;
      try {
        out += decrypt_document(line, config);
      } catch (const Error&) {
        internal::rethrow_with_context("line " + std::to_string(n) + ": ");
      }
      out.push_back('\n');
    }
  }
  std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
  if (!std::cout) throw IoError("cannot write to standard output");
}

}  // namespace

void add_stream_commands(CLI::App& app, int& exit_code) {
  CLI::App* stream = app.add_subcommand("stream", "DynamoDB Streams records");
  stream->require_subcommand(1);
  auto options = std::make_shared<StreamOptions>();
  CLI::App* decrypt = stream->add_subcommand(
      "decrypt",
      "Verify and decrypt the NewImage/OldImage of stream records on stdin: a Lambda event, a "
      "GetRecords response, one record, or JSON lines of those");
  decrypt->add_option("--materials", options->materials_path,
                      "Materials file (JSON: provider and keys)")
      ->required();
  decrypt->add_option("--table", options->table, "Table name (signed into every item)")
      ->required();
  decrypt->add_option("--partition-key", options->partition_key, "Partition key attribute name")
      ->required();
  decrypt->add_option("--sort-key", options->sort_key, "Sort key attribute name");
  add_action_options(*decrypt, options->actions);
  decrypt->callback([options, &exit_code] {
    run_stream_decrypt(*options);
    exit_code = kExitOk;
  });
}

}  // namespace ddbcrypt::cli
