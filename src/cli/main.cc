// ddbcrypt: client-side encryption of DynamoDB items from the command line.
#include <CLI/CLI.hpp>

#include <iostream>

#include "ddbcrypt/error.h"

int main(int argc, char** argv) {
  CLI::App app{"ddbcrypt: client-side encryption of Amazon DynamoDB items"};
  app.set_version_flag("--version", "ddbcrypt 0.1.0");
  app.require_subcommand(0);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  std::cout << app.help();
  return 0;
}
