// `ddbcrypt keygen --kind static|wrapped-aes|wrapped-rsa [--out FILE]`.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "ddbcrypt/crypto/secret_bytes.h"
#include "ddbcrypt/materials/materials_file.h"

namespace ddbcrypt::cli {
namespace {

struct KeygenOptions {
  std::string kind;
  std::string out;
};

// Creates `path` readable by its owner only; never replaces an existing file (it may hold the
// only copy of other keys).
void write_private_file(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw IoError("cannot create " + path + ": " + std::strerror(errno) +
                  (errno == EEXIST ? " (refusing to overwrite)" : ""));
  }
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      throw IoError("cannot write " + path + ": " + std::strerror(error));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) throw IoError("cannot write " + path + ": " + std::strerror(errno));
}

}  // namespace

void add_keygen_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<KeygenOptions>();
  CLI::App* cmd = app.add_subcommand("keygen", "Write a materials file with fresh random keys");
  cmd->add_option("--kind", options->kind, "static, wrapped-aes or wrapped-rsa")
      ->required()
      ->check(CLI::IsMember({"static", "wrapped-aes", "wrapped-rsa"}));
  cmd->add_option("--out", options->out,
                  "File to create (mode 0600; never overwritten); default: standard output");
  cmd->callback([options, &exit_code] {
    std::string text = generate_materials_json(options->kind);
    if (options->out.empty()) {
      std::cout << text;
    } else {
      write_private_file(options->out, text);
    }
    detail::secure_wipe(text.data(), text.size());
    exit_code = kExitOk;
  });
}

}  // namespace ddbcrypt::cli
