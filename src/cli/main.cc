// ddbcrypt: client-side encryption of DynamoDB items from the command line.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::cli {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw IoError("cannot read " + path);
  return text.str();
}

namespace {

constexpr const char* kExitCodesHelp =
    "Exit codes: 0 ok, 1 vectors failed, 2 usage, 3 configuration, 4 malformed input,\n"
    "5 encryption, 6 decryption, 7 signature mismatch, 8 AWS, 9 file I/O,\n"
    "10 get: a key had no item.";

int fail(int code, const std::string& message) {
  std::cout.flush();
  std::cerr << "ddbcrypt: error: " << message << '\n';
  return code;
}

}  // namespace
}  // namespace ddbcrypt::cli

int main(int argc, char** argv) {
  using namespace ddbcrypt::cli;
  std::ios::sync_with_stdio(false);
  CLI::App app{"ddbcrypt: client-side encryption of Amazon DynamoDB items"};
  app.set_version_flag("--version", "ddbcrypt 0.1.0");
  app.footer(kExitCodesHelp);
  app.require_subcommand(1);
  int exit_code = kExitOk;
  add_item_commands(app, exit_code);
  add_vectors_command(app, exit_code);
  add_keygen_command(app, exit_code);
  add_table_commands(app, exit_code);
  add_stream_commands(app, exit_code);
  add_meta_commands(app, exit_code);
  add_field_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  } catch (const ddbcrypt::SignatureError& e) {
    return fail(kExitSignature, e.what());
  } catch (const ddbcrypt::DecryptionError& e) {
    return fail(kExitDecryption, e.what());
  } catch (const ddbcrypt::EncryptionError& e) {
    return fail(kExitEncryption, e.what());
  } catch (const ddbcrypt::ConfigError& e) {
    return fail(kExitConfig, e.what());
  } catch (const ddbcrypt::FormatError& e) {
    return fail(kExitFormat, e.what());
  } catch (const ddbcrypt::AwsError& e) {
    return fail(kExitAws, e.what());
  } catch (const IoError& e) {
    return fail(kExitIo, e.what());
  } catch (const std::exception& e) {
    return fail(kExitVectorsFailed, e.what());
  }
  std::cout.flush();
  if (!std::cout) return fail(kExitIo, "cannot write to standard output");
  return exit_code;
}
