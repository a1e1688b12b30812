// The shared-files source of the default chain: static keys and credential_process
// (spec/aws-wire.md §7.3, §7.4).

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "aws/credentials_providers.h"
#include "ddbcrypt/bytes.h"
#include "ddbcrypt/error.h"

extern char** environ;

namespace ddbcrypt::aws::internal {
namespace {

// credential_process prints a small JSON document; anything far larger is a broken helper.
constexpr std::size_t kMaxProcessOutput = 1 << 20;

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd = -1) noexcept : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }
  int get() const noexcept { return fd_; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

class SpawnActions {
 public:
  SpawnActions() {
    if (posix_spawn_file_actions_init(&actions_) != 0) throw ConfigError("posix_spawn setup failed");
  }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
  posix_spawn_file_actions_t* get() noexcept { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

std::string describe_process(const ProcessConfig& config, const std::string& program) {
  return "credential_process '" + program + "' of profile '" + config.profile + "'";
}

// Runs argv without a shell and returns its standard output; stderr and stdin are inherited.
std::string run_process(const ProcessConfig& config, const std::vector<std::string>& argv) {
  const std::string what = describe_process(config, argv.front());
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw ConfigError(what + ": cannot create a pipe: " + std::strerror(errno));
  }
  FileDescriptor read_end(fds[0]);
  FileDescriptor write_end(fds[1]);

  SpawnActions actions;
  if (posix_spawn_file_actions_adddup2(actions.get(), write_end.get(), STDOUT_FILENO) != 0) {
    throw ConfigError(what + ": posix_spawn setup failed");
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = -1;
  const int spawn_error =
      posix_spawnp(&pid, args[0], actions.get(), nullptr, args.data(), environ);
  write_end.reset();
  if (spawn_error != 0) {
    throw ConfigError(what + " could not be started: " + std::strerror(spawn_error));
  }

  std::string output;
  bool too_large = false;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(read_end.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buffer, static_cast<std::size_t>(n));
    if (output.size() > kMaxProcessOutput) {
      too_large = true;
      break;
    }
  }
  detail::secure_wipe(buffer, sizeof buffer);
  read_end.reset();  // a child still writing gets SIGPIPE rather than blocking forever

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      wipe(output);
      throw ConfigError(what + ": waiting for it failed: " + std::strerror(errno));
    }
  }
  if (too_large) {
    wipe(output);
    throw ConfigError(what + " printed more than 1 MiB");
  }
  if (WIFSIGNALED(status)) {
    wipe(output);
    throw ConfigError(what + " was killed by signal " + std::to_string(WTERMSIG(status)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    wipe(output);
    throw ConfigError(what + " exited with status " + std::to_string(WEXITSTATUS(status)));
  }
  return output;
}

Credentials fetch_from_process(const ProcessConfig& config) {
  const std::vector<std::string> argv = split_command_line(config.command);
  std::string output = run_process(config, argv);
  const std::string what = describe_process(config, argv.front());
  CredentialsDocument doc;
  try {
    doc = parse_credentials_document(output, "SessionToken", what);
  } catch (...) {
    wipe(output);
    throw;
  }
  wipe(output);
  if (doc.version != 1) {
    throw ConfigError(what + ": its output must have \"Version\": 1");
  }
  if (!doc.credentials) throw ConfigError(what + ": its output has no " + doc.missing);
  return doc.credentials->with_source("credential_process (profile " + config.profile + ")");
}

std::string profile_place(const SharedConfig& files) {
  return files.paths().credentials_file + " or " + files.paths().config_file;
}

}  // namespace

std::vector<std::string> split_command_line(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\'') {
      const auto end = line.find('\'', i + 1);
      if (end == std::string_view::npos) {
        throw ConfigError("credential_process has an unterminated single quote");
      }
      word.append(line.substr(i + 1, end - i - 1));
      in_word = true;
      i = end + 1;
    } else if (c == '"') {
      in_word = true;
      ++i;
      for (;;) {
        if (i >= line.size()) {
          throw ConfigError("credential_process has an unterminated double quote");
        }
        const char d = line[i];
        if (d == '"') {
          ++i;
          break;
        }
        // Inside double quotes a backslash escapes only the characters sh gives meaning to.
        if (d == '\\' && i + 1 < line.size() &&
            (line[i + 1] == '"' || line[i + 1] == '\\' || line[i + 1] == '$' ||
             line[i + 1] == '`' || line[i + 1] == '\n')) {
          if (line[i + 1] != '\n') word += line[i + 1];
          i += 2;
          continue;
        }
        word += d;
        ++i;
      }
    } else if (c == '\\') {
      if (i + 1 >= line.size()) throw ConfigError("credential_process ends with a lone backslash");
      if (line[i + 1] != '\n') {
        word += line[i + 1];
        in_word = true;
      }
      i += 2;
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) throw ConfigError("credential_process is empty");
  return words;
}

std::shared_ptr<CredentialsProvider> make_process_provider(ProcessConfig config) {
  (void)split_command_line(config.command);  // reject a malformed line before first use
  const std::string name = "credential_process of profile '" + config.profile + "'";
  RefreshOptions refresh = config.refresh;
  return std::make_shared<RefreshingCredentialsProvider>(
      name, [config = std::move(config)] { return fetch_from_process(config); }, refresh);
}

SourceResult profile_source(const SharedConfig& files, const ProfileChoice& choice,
                            const RefreshOptions& refresh) {
  if (!files.has_profile(choice.name)) {
    if (choice.explicitly_requested) (void)selected_profile(files, choice);  // throws
    return {nullptr, "no profile '" + choice.name + "' in " + profile_place(files)};
  }
  const ProfileSection profile = selected_profile(files, choice);
  const std::string where = "profile '" + choice.name + "'";
  auto non_empty = [&](std::string_view key) { return profile.non_empty(key); };

  auto key_id = non_empty("aws_access_key_id");
  auto secret = non_empty("aws_secret_access_key");
  if (key_id && secret) {
    auto token = non_empty("aws_session_token");
    if (!token) token = non_empty("aws_security_token");
    Credentials credentials(std::move(*key_id), SecretBytes::copy_of(as_bytes(*secret)),
                            std::move(token));
    wipe(*secret);
    return {make_static_credentials_provider(credentials.with_source("profile " + choice.name)),
            {}};
  }
  if (key_id) throw ConfigError(where + " has aws_access_key_id but no aws_secret_access_key");
  if (secret) throw ConfigError(where + " has aws_secret_access_key but no aws_access_key_id");

  if (auto command = non_empty("credential_process")) {
    auto provider = make_process_provider({*command, choice.name, refresh});
    (void)provider->credentials();
    return {std::move(provider), {}};
  }
  if (non_empty("role_arn")) {
    if (non_empty("web_identity_token_file")) {
      return {nullptr, where + " assumes a role with web identity (the web identity source)"};
    }
    if (non_empty("source_profile") || non_empty("credential_source")) {
      throw ConfigError(where +
                        " assumes a role with source_profile or credential_source, which "
                        "ddbcrypt does not support; use static keys, credential_process or "
                        "web identity, or pass credentials in code");
    }
  }
  if (non_empty("sso_session") || non_empty("sso_start_url") || non_empty("sso_account_id")) {
    throw ConfigError(where +
                      " uses IAM Identity Center (SSO), which ddbcrypt does not support; use "
                      "credential_process with 'aws configure export-credentials', or pass "
                      "credentials in code");
  }
  return {nullptr, where + " has no aws_access_key_id/aws_secret_access_key or credential_process"};
}

}  // namespace ddbcrypt::aws::internal
