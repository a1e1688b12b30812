// Subcommands of the ddbcrypt CLI and the error → exit-code mapping they share.
#pragma once

#include <CLI/CLI.hpp>

#include <stdexcept>
#include <string>

namespace ddbcrypt::cli {

// Exit codes, one per error class (stable: scripts depend on them).
enum ExitCode : int {
  kExitOk = 0,
  kExitVectorsFailed = 1,  // `vectors run`: at least one scenario failed; also any other error
  kExitUsage = 2,          // bad command line
  kExitConfig = 3,         // ConfigError: materials, actions or options unusable
  kExitFormat = 4,         // FormatError: malformed input (JSON, base64, numbers, ...)
  kExitEncryption = 5,     // EncryptionError
  kExitDecryption = 6,     // DecryptionError (missing signature, bad description, ...)
  kExitSignature = 7,      // SignatureError: tampered item or wrong keys
  kExitAws = 8,            // AwsError (KmsError, DynamoDbError)
  kExitIo = 9,             // a file could not be read or written
  kExitNotFound = 10,      // `get`: a key had no item (the others were written)
};

// A file or stream operation failed.
class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string read_file(const std::string& path);

// Each adds its subcommand to `app`; the returned callback runs it once parsed (and returns
// the exit code).
void add_item_commands(CLI::App& app, int& exit_code);
void add_vectors_command(CLI::App& app, int& exit_code);
void add_keygen_command(CLI::App& app, int& exit_code);
void add_table_commands(CLI::App& app, int& exit_code);
void add_stream_commands(CLI::App& app, int& exit_code);
void add_meta_commands(CLI::App& app, int& exit_code);
void add_field_commands(CLI::App& app, int& exit_code);

}  // namespace ddbcrypt::cli
