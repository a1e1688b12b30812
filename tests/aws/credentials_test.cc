#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aws/credentials_providers.h"
#include "aws/region_endpoint.h"
#include "ddbcrypt/aws/client_config.h"
#include "ddbcrypt/aws/credentials.h"
#include "ddbcrypt/aws/http.h"
#include "ddbcrypt/bytes.h"
#include "ddbcrypt/error.h"

extern char** environ;

namespace ddbcrypt::aws::internal {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::system_clock::time_point;

std::string secret_text(const Credentials& c) {
  const auto bytes = c.secret_access_key().expose_secret();
  return std::string(bytes.begin(), bytes.end());
}

Credentials make_credentials(const std::string& id, const std::string& secret,
                             std::optional<TimePoint> expiration = std::nullopt) {
  return Credentials(id, SecretBytes::copy_of(as_bytes(secret)), std::string("token-" + id),
                     expiration);
}

TimePoint at(const char* iso) { return *parse_iso8601(iso); }

// A settable clock shared by the code under test and the test.
class FakeClock {
 public:
  explicit FakeClock(TimePoint start) : now_(start.time_since_epoch().count()) {}
  TimePoint now() const { return TimePoint(TimePoint::duration(now_.load())); }
  void set(TimePoint t) { now_ = t.time_since_epoch().count(); }
  void advance(std::chrono::seconds d) { set(now() + d); }
  Clock clock() const {
    return [this] { return now(); };
  }

 private:
  std::atomic<TimePoint::rep> now_;
};

// Answers each request with a scripted handler and records what was sent. Never touches the
// network.
class ScriptedTransport final : public HttpTransport {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  explicit ScriptedTransport(Handler handler) : handler_(std::move(handler)) {}
  HttpResponse send(const HttpRequest& request, const HttpOptions& options) const override {
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
      options_.push_back(options);
    }
    return handler_(request);
  }
  std::vector<HttpRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<HttpOptions> options() const {
    std::lock_guard lock(mutex_);
    return options_;
  }

 private:
  Handler handler_;
  mutable std::mutex mutex_;
  mutable std::vector<HttpRequest> requests_;
  mutable std::vector<HttpOptions> options_;
};

HttpResponse respond(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::optional<std::string> header(const HttpRequest& request, std::string_view name) {
  for (const auto& [n, v] : request.headers) {
    if (n.size() == name.size() &&
        std::equal(n.begin(), n.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return v;
    }
  }
  return std::nullopt;
}

// Clears the AWS_* environment (restored in TearDown), points the shared files at a
// temporary directory and turns instance metadata off so no test can reach a real address.
class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry = *e;
      const auto eq = entry.find('=');
      const std::string name = entry.substr(0, eq);
      if (name.rfind("AWS_", 0) == 0 || name == "HOME") saved_[name] = entry.substr(eq + 1);
    }
    for (const auto& [name, value] : saved_) {
      if (name != "HOME") unsetenv(name.c_str());
    }
    char tmpl[] = "/tmp/ddbcrypt_credentials_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    setenv("HOME", dir_.c_str(), 1);
    setenv("AWS_CONFIG_FILE", (dir_ + "/config").c_str(), 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", (dir_ + "/credentials").c_str(), 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
  }
  void TearDown() override {
    std::vector<std::string> now;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry = *e;
      const std::string name = entry.substr(0, entry.find('='));
      if (name.rfind("AWS_", 0) == 0 || name == "HOME") now.push_back(name);
    }
    for (const auto& name : now) unsetenv(name.c_str());
    for (const auto& [name, value] : saved_) setenv(name.c_str(), value.c_str(), 1);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string write(const std::string& name, const std::string& text, bool executable = false) {
    const std::string path = dir_ + "/" + name;
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << text;
    }
    if (executable) chmod(path.c_str(), 0755);
    return path;
  }
  void write_config(const std::string& text) { write("config", text); }
  void write_credentials(const std::string& text) { write("credentials", text); }

  // A credential_process script that prints `json`.
  std::string process_script(const std::string& name, const std::string& json, int exit_code = 0) {
    return write(name,
                 "#!/bin/sh\ncat <<'EOF'\n" + json + "\nEOF\nexit " + std::to_string(exit_code) + "\n",
                 true);
  }

  std::map<std::string, std::string> saved_;
  std::string dir_;
};

// ---- ISO-8601 --------------------------------------------------------------------------

TEST(Iso8601, ParsesTheFormsAwsUses) {
  const auto base = std::chrono::sys_days(std::chrono::year(2026) / 11 / 22) + 12h;
  EXPECT_EQ(parse_iso8601("2026-11-22T12:00:00Z"), base);
  EXPECT_EQ(parse_iso8601("2026-11-22T12:00:00.500Z"), base + 500ms);
  EXPECT_EQ(parse_iso8601("2026-11-22T12:00:00.123456789Z"), base + 123456789ns);
  EXPECT_EQ(parse_iso8601("2026-11-22T14:30:00+02:30"), base);
  EXPECT_EQ(parse_iso8601("2026-11-22T10:00:00-0200"), base);
  EXPECT_EQ(parse_iso8601("2026-11-22t12:00:00z"), base);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z"), TimePoint{});
}

TEST(Iso8601, RejectsEverythingElse) {
  for (const char* bad : {"", "2026-11-22", "2026-11-22T12:00:00", "2026-13-01T00:00:00Z",
                          "2026-02-30T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T12:00:00.Z",
                          "2026-11-22T12:00:00Zjunk", "2026-11-22T12:00:00+25:00", "1700000000",
                          "2026/11/22T12:00:00Z"}) {
    EXPECT_FALSE(parse_iso8601(bad).has_value()) << bad;
  }
}

// ---- static ----------------------------------------------------------------------------

TEST(StaticCredentials, ReturnsWhatItWasGiven) {
  auto provider = make_static_credentials_provider(make_credentials("AKID", "SECRET"));
  const Credentials c = provider->credentials();
  EXPECT_EQ(c.access_key_id(), "AKID");
  EXPECT_EQ(secret_text(c), "SECRET");
  EXPECT_EQ(c.session_token(), "token-AKID");
  EXPECT_EQ(c.source(), "static credentials");
  provider->invalidate();  // nothing to refresh
  EXPECT_EQ(provider->credentials().access_key_id(), "AKID");
}

TEST(StaticCredentials, RejectsEmptyParts) {
  EXPECT_THROW((void)make_static_credentials_provider(make_credentials("", "S")), ConfigError);
  EXPECT_THROW((void)make_static_credentials_provider(make_credentials("A", "")), ConfigError);
}

// ---- refresh ---------------------------------------------------------------------------

class RefreshTest : public ::testing::Test {
 protected:
  RefreshOptions options() {
    RefreshOptions o;
    o.clock = clock_.clock();
    return o;
  }
  FakeClock clock_{at("2030-01-01T00:00:00Z")};
  const TimePoint expiry_ = at("2030-01-01T01:00:00Z");
};

TEST_F(RefreshTest, FetchesOnceUntilTheAdvisoryWindow) {
  std::atomic<int> calls{0};
  RefreshingCredentialsProvider provider(
      "test", [&] { return make_credentials("K" + std::to_string(++calls), "S", expiry_); },
      options());
  EXPECT_EQ(provider.credentials().access_key_id(), "K1");
  clock_.set(expiry_ - 15min - 1s);
  EXPECT_EQ(provider.credentials().access_key_id(), "K1");
  EXPECT_EQ(calls, 1);
  clock_.set(expiry_ - 15min);
  EXPECT_EQ(provider.credentials().access_key_id(), "K2");
  EXPECT_EQ(calls, 2);
}

TEST_F(RefreshTest, CredentialsWithoutExpiryAreNeverRefreshed) {
  std::atomic<int> calls{0};
  RefreshingCredentialsProvider provider(
      "test", [&] { return make_credentials("K" + std::to_string(++calls), "S"); }, options());
  (void)provider.credentials();
  clock_.advance(std::chrono::hours(24 * 365));
  provider.invalidate();
  EXPECT_EQ(provider.credentials().access_key_id(), "K1");
  EXPECT_EQ(calls, 1);
}

TEST_F(RefreshTest, AdvisoryFailureKeepsOldCredentialsAndBacksOff) {
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};
  RefreshingCredentialsProvider provider(
      "test",
      [&]() -> Credentials {
        ++calls;
        if (fail) throw ConfigError("source down");
        return make_credentials("K" + std::to_string(calls.load()), "S", expiry_ + (calls - 1) * 1h);
      },
      options());
  EXPECT_EQ(provider.credentials().access_key_id(), "K1");
  fail = true;
  clock_.set(expiry_ - 12min);  // advisory, not mandatory
  EXPECT_EQ(provider.credentials().access_key_id(), "K1");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(provider.credentials().access_key_id(), "K1");  // within the retry delay
  EXPECT_EQ(calls, 2);
  clock_.advance(31s);
  EXPECT_EQ(provider.credentials().access_key_id(), "K1");
  EXPECT_EQ(calls, 3);
  fail = false;
  clock_.advance(31s);
  EXPECT_EQ(provider.credentials().access_key_id(), "K4");
}

TEST_F(RefreshTest, MandatoryFailureIsAnError) {
  std::atomic<bool> fail{false};
  RefreshingCredentialsProvider provider(
      "test",
      [&]() -> Credentials {
        if (fail) throw ConfigError("source down");
        return make_credentials("K", "S", expiry_);
      },
      options());
  (void)provider.credentials();
  fail = true;
  clock_.set(expiry_ - 10min);
  EXPECT_THROW((void)provider.credentials(), ConfigError);
  EXPECT_THROW((void)provider.credentials(), ConfigError);  // tried again, no back-off
  fail = false;
  EXPECT_EQ(provider.credentials().access_key_id(), "K");
}

TEST_F(RefreshTest, ForeignExceptionsBecomeConfigErrorsNamingTheSource) {
  RefreshingCredentialsProvider provider(
      "my source", []() -> Credentials { throw std::runtime_error("boom"); }, options());
  try {
    (void)provider.credentials();
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("my source"), std::string::npos);
  }
}

TEST_F(RefreshTest, AlreadyExpiredCredentialsAreAnError) {
  RefreshingCredentialsProvider provider(
      "test", [&] { return make_credentials("K", "S", clock_.now() - 1s); }, options());
  EXPECT_THROW((void)provider.credentials(), ConfigError);
}

TEST_F(RefreshTest, InvalidateForcesARefresh) {
  std::atomic<int> calls{0};
  RefreshingCredentialsProvider provider(
      "test", [&] { return make_credentials("K" + std::to_string(++calls), "S", expiry_); },
      options());
  (void)provider.credentials();
  provider.invalidate();
  EXPECT_EQ(provider.credentials().access_key_id(), "K2");
  EXPECT_EQ(provider.credentials().access_key_id(), "K2");
}

TEST_F(RefreshTest, StaticStabilityServesLastGoodCredentialsPastExpiry) {
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};
  RefreshOptions o = options();
  o.static_stability = true;
  RefreshingCredentialsProvider provider(
      "imds",
      [&]() -> Credentials {
        ++calls;
        if (fail) throw ConfigError("unreachable");
        return make_credentials("K" + std::to_string(calls.load()), "S", clock_.now() + 1h);
      },
      o);
  EXPECT_EQ(provider.credentials().access_key_id(), "K1");
  fail = true;
  clock_.advance(2h);  // past expiry
  EXPECT_EQ(provider.credentials().access_key_id(), "K1");
  EXPECT_EQ(calls, 2);
  clock_.advance(4min);
  EXPECT_EQ(provider.credentials().access_key_id(), "K1");
  EXPECT_EQ(calls, 2);  // waiting at least 5 minutes before the next try
  clock_.advance(7min);  // past the longest jittered delay (10 minutes)
  fail = false;
  EXPECT_EQ(provider.credentials().access_key_id(), "K3");
}

TEST_F(RefreshTest, StaticStabilityKeepsOldCredentialsWhenTheNewOnesAreExpired) {
  std::atomic<int> calls{0};
  RefreshOptions o = options();
  o.static_stability = true;
  RefreshingCredentialsProvider provider(
      "imds",
      [&] {
        ++calls;
        return calls == 1 ? make_credentials("GOOD", "S", clock_.now() + 1h)
                          : make_credentials("STALE", "S", clock_.now() - 1min);
      },
      o);
  EXPECT_EQ(provider.credentials().access_key_id(), "GOOD");
  clock_.advance(55min);
  EXPECT_EQ(provider.credentials().access_key_id(), "GOOD");
  EXPECT_EQ(calls, 2);
}

// One caller refreshes in the advisory window while the others keep the valid credentials.
TEST_F(RefreshTest, OneRefresherOthersKeepValidCredentials) {
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> calls{0};
  std::atomic<bool> in_fetch{false};
  RefreshingCredentialsProvider provider(
      "test",
      [&] {
        const int n = ++calls;
        if (n > 1) {
          in_fetch = true;
          std::unique_lock lock(m);
          cv.wait(lock, [&] { return release; });
        }
        return make_credentials("K" + std::to_string(n), "S", expiry_ + (n - 1) * 1h);
      },
      options());
  (void)provider.credentials();
  clock_.set(expiry_ - 14min);
  std::thread refresher([&] { EXPECT_EQ(provider.credentials().access_key_id(), "K2"); });
  while (!in_fetch) std::this_thread::yield();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(provider.credentials().access_key_id(), "K1");
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  refresher.join();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(provider.credentials().access_key_id(), "K2");
}

// In the mandatory window everyone waits for the single refresh and gets its result.
TEST_F(RefreshTest, MandatoryWaitersShareOneRefresh) {
  std::atomic<int> calls{0};
  RefreshingCredentialsProvider provider(
      "test",
      [&] {
        const int n = ++calls;
        if (n > 1) std::this_thread::sleep_for(100ms);
        return make_credentials("K" + std::to_string(n), "S", expiry_ + (n - 1) * 1h);
      },
      options());
  (void)provider.credentials();
  clock_.set(expiry_ - 1min);
  std::vector<std::thread> threads;
  std::atomic<int> got_new{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (provider.credentials().access_key_id() == "K2") ++got_new;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(got_new, 8);
}

TEST_F(RefreshTest, MandatoryWaitersSeeTheRefreshFailure) {
  std::atomic<int> calls{0};
  RefreshingCredentialsProvider provider(
      "test",
      [&]() -> Credentials {
        const int n = ++calls;
        if (n > 1) {
          std::this_thread::sleep_for(100ms);
          throw ConfigError("source down");
        }
        return make_credentials("K", "S", expiry_);
      },
      options());
  (void)provider.credentials();
  clock_.set(expiry_ - 1min);
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      try {
        (void)provider.credentials();
      } catch (const ConfigError&) {
        ++errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, 6);
  EXPECT_LT(calls, 8);  // waiters did not each run their own failing refresh
}

// ---- environment -----------------------------------------------------------------------

TEST_F(CredentialsTest, EnvironmentNotSetIsSkipped) {
  const auto r = environment_source();
  EXPECT_EQ(r.provider, nullptr);
  EXPECT_NE(r.skipped_because.find("AWS_ACCESS_KEY_ID"), std::string::npos);
}

TEST_F(CredentialsTest, EnvironmentKeysAndToken) {
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "SECRETENV", 1);
  auto r = environment_source();
  ASSERT_NE(r.provider, nullptr);
  Credentials c = r.provider->credentials();
  EXPECT_EQ(c.access_key_id(), "AKIDENV");
  EXPECT_EQ(secret_text(c), "SECRETENV");
  EXPECT_FALSE(c.session_token().has_value());
  EXPECT_FALSE(c.expiration().has_value());
  EXPECT_EQ(c.source(), "environment");

  setenv("AWS_SECURITY_TOKEN", "LEGACY", 1);
  EXPECT_EQ(environment_source().provider->credentials().session_token(), "LEGACY");
  setenv("AWS_SESSION_TOKEN", "MODERN", 1);
  EXPECT_EQ(environment_source().provider->credentials().session_token(), "MODERN");
}

TEST_F(CredentialsTest, EnvironmentHalfPairIsAnErrorWithoutSecrets) {
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  EXPECT_THROW((void)environment_source(), ConfigError);
  unsetenv("AWS_ACCESS_KEY_ID");
  setenv("AWS_SECRET_ACCESS_KEY", "SECRETENV", 1);
  try {
    (void)environment_source();
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find("SECRETENV"), std::string::npos);
  }
  // An empty value counts as unset.
  setenv("AWS_ACCESS_KEY_ID", "", 1);
  EXPECT_THROW((void)environment_source(), ConfigError);
}

TEST_F(CredentialsTest, EnvironmentExpirationIsReadAgainWhenItNears) {
  FakeClock clock(at("2030-01-01T00:00:00Z"));
  setenv("AWS_ACCESS_KEY_ID", "FIRST", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "S", 1);
  setenv("AWS_CREDENTIAL_EXPIRATION", "2030-01-01T01:00:00Z", 1);
  auto r = environment_source(clock.clock());
  ASSERT_NE(r.provider, nullptr);
  EXPECT_EQ(r.provider->credentials().expiration(), at("2030-01-01T01:00:00Z"));
  setenv("AWS_ACCESS_KEY_ID", "SECOND", 1);
  setenv("AWS_CREDENTIAL_EXPIRATION", "2030-01-01T02:00:00Z", 1);
  EXPECT_EQ(r.provider->credentials().access_key_id(), "FIRST");
  clock.set(at("2030-01-01T00:50:00Z"));
  EXPECT_EQ(r.provider->credentials().access_key_id(), "SECOND");

  setenv("AWS_CREDENTIAL_EXPIRATION", "tomorrow", 1);
  EXPECT_THROW((void)environment_source(clock.clock()), ConfigError);
  setenv("AWS_CREDENTIAL_EXPIRATION", "2020-01-01T00:00:00Z", 1);
  EXPECT_THROW((void)environment_source(clock.clock()), ConfigError);  // already expired
}

// ---- profile: static keys --------------------------------------------------------------

TEST_F(CredentialsTest, ProfileStaticKeysCredentialsFileWins) {
  write_config("[default]\naws_access_key_id = FROMCONFIG\naws_secret_access_key = CFGSECRET\n");
  write_credentials("[default]\naws_access_key_id = FROMCREDS\naws_secret_access_key = CREDSECRET\n"
                    "aws_session_token = TOKEN\n");
  const auto r = profile_source(SharedConfig::load(), choose_profile(std::nullopt));
  ASSERT_NE(r.provider, nullptr);
  const Credentials c = r.provider->credentials();
  EXPECT_EQ(c.access_key_id(), "FROMCREDS");
  EXPECT_EQ(secret_text(c), "CREDSECRET");
  EXPECT_EQ(c.session_token(), "TOKEN");
  EXPECT_EQ(c.source(), "profile default");
}

TEST_F(CredentialsTest, ProfileStaticKeysFromConfigFileAndNamedProfile) {
  write_config("[profile dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = DEVSECRET\n"
               "aws_security_token = LEGACY\n");
  const auto r = profile_source(SharedConfig::load(), {"dev", true});
  ASSERT_NE(r.provider, nullptr);
  EXPECT_EQ(r.provider->credentials().access_key_id(), "DEVKEY");
  EXPECT_EQ(r.provider->credentials().session_token(), "LEGACY");
  EXPECT_EQ(r.provider->credentials().source(), "profile dev");
}

TEST_F(CredentialsTest, ProfileSkipsOrFailsClearly) {
  auto files = SharedConfig::load();
  auto r = profile_source(files, {"default", false});
  EXPECT_EQ(r.provider, nullptr);
  EXPECT_NE(r.skipped_because.find("no profile 'default'"), std::string::npos);
  EXPECT_THROW((void)profile_source(files, {"named", true}), ConfigError);

  write_config("[default]\nregion = us-east-1\n");
  r = profile_source(SharedConfig::load(), {"default", false});
  EXPECT_EQ(r.provider, nullptr);
  EXPECT_NE(r.skipped_because.find("credential_process"), std::string::npos);

  write_credentials("[default]\naws_secret_access_key = HALFSECRET\n");
  try {
    (void)profile_source(SharedConfig::load(), {"default", false});
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find("HALFSECRET"), std::string::npos);
  }
}

TEST_F(CredentialsTest, ProfileRoleAssumptionAndSsoAreRefused) {
  write_config("[profile a]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = b\n"
               "[profile s]\nsso_session = corp\n"
               "[profile w]\nrole_arn = arn:aws:iam::1:role/r\nweb_identity_token_file = /t\n");
  const auto files = SharedConfig::load();
  EXPECT_THROW((void)profile_source(files, {"a", true}), ConfigError);
  EXPECT_THROW((void)profile_source(files, {"s", true}), ConfigError);
  const auto w = profile_source(files, {"w", true});
  EXPECT_EQ(w.provider, nullptr);
  EXPECT_NE(w.skipped_because.find("web identity"), std::string::npos);
}

// ---- credential_process ----------------------------------------------------------------

TEST(SplitCommandLine, ShellWordRules) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_command_line("a b  c"), (V{"a", "b", "c"}));
  EXPECT_EQ(split_command_line("  /bin/tool --x=1\t--y "), (V{"/bin/tool", "--x=1", "--y"}));
  EXPECT_EQ(split_command_line("'a b' \"c d\" e\\ f"), (V{"a b", "c d", "e f"}));
  EXPECT_EQ(split_command_line("\"say \\\"hi\\\" \\\\ \\n\""), (V{"say \"hi\" \\ \\n"}));
  EXPECT_EQ(split_command_line("'it''s' x'y'z"), (V{"its", "xyz"}));
  EXPECT_EQ(split_command_line("'' \"\""), (V{"", ""}));
  EXPECT_EQ(split_command_line("a'$HOME'"), (V{"a$HOME"}));
  for (const char* bad : {"", "   ", "'open", "\"open", "trailing\\"}) {
    EXPECT_THROW((void)split_command_line(bad), ConfigError) << bad;
  }
}

TEST_F(CredentialsTest, ProcessProvidesCredentialsWithoutExpiry) {
  const std::string script = process_script(
      "proc.sh", R"({"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "SECRETPROC"})");
  write_config("[default]\ncredential_process = " + script + "\n");
  const auto r = profile_source(SharedConfig::load(), choose_profile(std::nullopt));
  ASSERT_NE(r.provider, nullptr);
  const Credentials c = r.provider->credentials();
  EXPECT_EQ(c.access_key_id(), "AKIDPROC");
  EXPECT_EQ(secret_text(c), "SECRETPROC");
  EXPECT_FALSE(c.session_token().has_value());
  EXPECT_FALSE(c.expiration().has_value());
  EXPECT_EQ(c.source(), "credential_process (profile default)");
}

TEST_F(CredentialsTest, ProcessArgumentsAreSplitNotShellInterpreted) {
  // The script prints its arguments back as the key id, so quoting is visible.
  const std::string script = write(
      "echo args.sh",
      "#!/bin/sh\nprintf '{\"Version\":1,\"AccessKeyId\":\"%s|%s|%s\",\"SecretAccessKey\":\"S\"}' "
      "\"$1\" \"$2\" \"$3\"\n",
      true);
  ProcessConfig config;
  config.command = "'" + script + "' 'one two' \"\\$HOME\" $HOME";
  config.profile = "p";
  EXPECT_EQ(make_process_provider(config)->credentials().access_key_id(),
            "one two|$HOME|$HOME");
}

TEST_F(CredentialsTest, ProcessIsRunAgainAsExpiryNears) {
  FakeClock clock(at("2030-01-01T00:00:00Z"));
  const std::string counter = dir_ + "/count";
  const std::string script = write(
      "counting.sh",
      "#!/bin/sh\nn=$(cat '" + counter + "' 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > '" +
          counter +
          "'\nprintf '{\"Version\":1,\"AccessKeyId\":\"K%s\",\"SecretAccessKey\":\"S\","
          "\"SessionToken\":\"T\",\"Expiration\":\"2030-01-01T0%s:00:00Z\"}' $n $n\n",
      true);
  ProcessConfig config;
  config.command = script;
  config.profile = "p";
  config.refresh.clock = clock.clock();
  auto provider = make_process_provider(config);
  Credentials c = provider->credentials();
  EXPECT_EQ(c.access_key_id(), "K1");
  EXPECT_EQ(c.session_token(), "T");
  EXPECT_EQ(c.expiration(), at("2030-01-01T01:00:00Z"));
  clock.set(at("2030-01-01T00:40:00Z"));
  EXPECT_EQ(provider->credentials().access_key_id(), "K1");
  clock.set(at("2030-01-01T00:46:00Z"));
  EXPECT_EQ(provider->credentials().access_key_id(), "K2");
  EXPECT_EQ(provider->credentials().expiration(), at("2030-01-01T02:00:00Z"));
}

TEST_F(CredentialsTest, ProcessFailuresAreConfigErrorsWithoutOutput) {
  struct Case {
    std::string json;
    int exit_code;
    std::string expected;
  };
  const Case cases[] = {
      {R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "LEAKME"})", 3, "status 3"},
      {R"({"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "LEAKME"})", 0, "Version"},
      {R"({"AccessKeyId": "A", "SecretAccessKey": "LEAKME"})", 0, "Version"},
      {R"({"Version": 1, "SecretAccessKey": "LEAKME"})", 0, "AccessKeyId"},
      {R"({"Version": 1, "AccessKeyId": "A"})", 0, "SecretAccessKey"},
      {R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "LEAKME", "Expiration": "soon"})",
       0, "Expiration"},
      {R"({"Version": 1, "AccessKeyId": 7, "SecretAccessKey": "LEAKME"})", 0, "AccessKeyId"},
      {R"(SecretAccessKey LEAKME not json)", 0, "not a JSON object"},
  };
  int i = 0;
  for (const Case& c : cases) {
    const std::string script = process_script("fail" + std::to_string(i++) + ".sh", c.json, c.exit_code);
    try {
      (void)make_process_provider({script, "p", {}})->credentials();
      ADD_FAILURE() << c.json;
    } catch (const ConfigError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find(c.expected), std::string::npos) << m;
      EXPECT_NE(m.find("profile 'p'"), std::string::npos) << m;
      EXPECT_EQ(m.find("LEAKME"), std::string::npos) << m;
    }
  }
  EXPECT_THROW((void)make_process_provider({dir_ + "/does-not-exist", "p", {}})->credentials(),
               ConfigError);
  EXPECT_THROW((void)make_process_provider({"'unterminated", "p", {}}), ConfigError);
}

TEST_F(CredentialsTest, ProcessKilledBySignalIsReported) {
  const std::string script = write("kill.sh", "#!/bin/sh\nkill -9 $$\n", true);
  try {
    (void)make_process_provider({script, "p", {}})->credentials();
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("signal 9"), std::string::npos) << e.what();
  }
}

TEST_F(CredentialsTest, StaticKeysWinOverCredentialProcessInTheSameProfile) {
  write_credentials("[default]\naws_access_key_id = STATIC\naws_secret_access_key = S\n"
                    "credential_process = " + dir_ + "/does-not-exist\n");
  const auto r = profile_source(SharedConfig::load(), choose_profile(std::nullopt));
  ASSERT_NE(r.provider, nullptr);
  EXPECT_EQ(r.provider->credentials().access_key_id(), "STATIC");
}

// ---- web identity (scripted STS) -------------------------------------------------------

constexpr const char* kStsSuccess = R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>sub</SubjectFromWebIdentityToken>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn>
      <AssumedRoleId>ARO:s</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>SESSION&amp;TOKEN</SessionToken>
      <SecretAccessKey>STSSECRET</SecretAccessKey>
      <Expiration>2030-01-01T01:00:00Z</Expiration>
      <AccessKeyId>ASIASTS</AccessKeyId>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>)";

std::string sts_error(const std::string& code, const std::string& message) {
  return "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender"
         "</Type><Code>" + code + "</Code><Message>" + message +
         "</Message></Error><RequestId>r</RequestId></ErrorResponse>";
}

class WebIdentityTest : public CredentialsTest {
 protected:
  WebIdentityConfig config(std::shared_ptr<HttpTransport> transport) {
    WebIdentityConfig c;
    c.token_file = write("token", "JWT-TOKEN-1\n");
    c.role_arn = "arn:aws:iam::123456789012:role/r";
    c.session_name = "session-1";
    c.sts_endpoint = "http://127.0.0.1:1";
    c.http.transport = std::move(transport);
    c.http.clock = clock_.clock();
    c.refresh.clock = clock_.clock();
    c.retry_base_delay = 1ms;
    return c;
  }
  FakeClock clock_{at("2030-01-01T00:00:00Z")};
};

TEST_F(WebIdentityTest, SendsAnUnsignedFormPostAndParsesTheXml) {
  auto transport = std::make_shared<ScriptedTransport>(
      [](const HttpRequest&) { return respond(200, kStsSuccess); });
  auto c = config(transport);
  c.duration_seconds = 900;
  const Credentials creds = make_web_identity_provider(c)->credentials();
  EXPECT_EQ(creds.access_key_id(), "ASIASTS");
  EXPECT_EQ(secret_text(creds), "STSSECRET");
  EXPECT_EQ(creds.session_token(), "SESSION&TOKEN");
  EXPECT_EQ(creds.expiration(), at("2030-01-01T01:00:00Z"));
  EXPECT_EQ(creds.source(), "web identity (role arn:aws:iam::123456789012:role/r)");

  const auto requests = transport->requests();
  ASSERT_EQ(requests.size(), 1u);
  const HttpRequest& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "http://127.0.0.1:1/");
  EXPECT_EQ(header(r, "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_FALSE(header(r, "Authorization").has_value());
  EXPECT_EQ(r.body,
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
            "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr"
            "&RoleSessionName=session-1&WebIdentityToken=JWT-TOKEN-1&DurationSeconds=900");
}

TEST_F(WebIdentityTest, RereadsTheTokenFileOnEveryRefresh) {
  auto transport = std::make_shared<ScriptedTransport>(
      [](const HttpRequest&) { return respond(200, kStsSuccess); });
  auto provider = make_web_identity_provider(config(transport));
  (void)provider->credentials();
  write("token", "JWT-TOKEN-2");
  clock_.set(at("2030-01-01T00:50:00Z"));
  (void)provider->credentials();
  const auto requests = transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_TRUE(requests[0].body.ends_with("&WebIdentityToken=JWT-TOKEN-1")) << requests[0].body;
  EXPECT_TRUE(requests[1].body.ends_with("&WebIdentityToken=JWT-TOKEN-2")) << requests[1].body;
}

TEST_F(WebIdentityTest, DefaultSessionNameIsGenerated) {
  auto transport = std::make_shared<ScriptedTransport>(
      [](const HttpRequest&) { return respond(200, kStsSuccess); });
  auto c = config(transport);
  c.session_name.clear();
  (void)make_web_identity_provider(c)->credentials();
  const std::string expected =
      "RoleSessionName=ddbcrypt-" +
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                         clock_.now().time_since_epoch())
                         .count());
  EXPECT_NE(transport->requests()[0].body.find(expected), std::string::npos);
}

TEST_F(WebIdentityTest, ErrorsNameCodeAndRoleButNotTheToken) {
  auto transport = std::make_shared<ScriptedTransport>([](const HttpRequest&) {
    return respond(400, sts_error("InvalidIdentityToken", "The token is not valid"));
  });
  try {
    (void)make_web_identity_provider(config(transport))->credentials();
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("InvalidIdentityToken: The token is not valid (HTTP 400)"), std::string::npos) << m;
    EXPECT_NE(m.find("arn:aws:iam::123456789012:role/r"), std::string::npos) << m;
    EXPECT_EQ(m.find("JWT-TOKEN"), std::string::npos) << m;
  }
  EXPECT_EQ(transport->requests().size(), 1u);  // not retryable
}

TEST_F(WebIdentityTest, RetriesIdpCommunicationErrorsAndServerErrors) {
  std::atomic<int> n{0};
  auto transport = std::make_shared<ScriptedTransport>([&](const HttpRequest&) -> HttpResponse {
    switch (++n) {
      case 1:
        return respond(400, sts_error("IDPCommunicationError", "try again"));
      case 2:
        throw TransportError(TransportErrorKind::kConnectionReset, "reset");
      default:
        return respond(200, kStsSuccess);
    }
  });
  EXPECT_EQ(make_web_identity_provider(config(transport))->credentials().access_key_id(), "ASIASTS");
  EXPECT_EQ(n, 3);

  auto always_down = std::make_shared<ScriptedTransport>(
      [](const HttpRequest&) { return respond(503, "unavailable"); });
  auto c = config(always_down);
  c.max_attempts = 2;
  try {
    (void)make_web_identity_provider(c)->credentials();
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("HTTP 503"), std::string::npos);
  }
  EXPECT_EQ(always_down->requests().size(), 2u);
}

TEST_F(WebIdentityTest, MalformedSuccessResponsesAreErrors) {
  for (const char* body : {"<x/>", "<Credentials><AccessKeyId>A</AccessKeyId></Credentials>",
                           "<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S"
                           "</SecretAccessKey><SessionToken>T</SessionToken><Expiration>never"
                           "</Expiration></Credentials>"}) {
    auto transport =
        std::make_shared<ScriptedTransport>([&](const HttpRequest&) { return respond(200, body); });
    EXPECT_THROW((void)make_web_identity_provider(config(transport))->credentials(), ConfigError)
        << body;
  }
}

TEST_F(WebIdentityTest, ConfigurationChecks) {
  auto transport = std::make_shared<ScriptedTransport>(
      [](const HttpRequest&) { return respond(200, kStsSuccess); });
  auto c = config(transport);
  c.session_name = "x";  // too short
  EXPECT_THROW((void)make_web_identity_provider(c), ConfigError);
  c = config(transport);
  c.session_name = "bad name";
  EXPECT_THROW((void)make_web_identity_provider(c), ConfigError);
  c = config(transport);
  c.duration_seconds = 899;
  EXPECT_THROW((void)make_web_identity_provider(c), ConfigError);
  c = config(transport);
  c.token_file = dir_ + "/missing-token";
  EXPECT_THROW((void)make_web_identity_provider(c)->credentials(), ConfigError);
  write("empty-token", "\n");
  c.token_file = dir_ + "/empty-token";
  EXPECT_THROW((void)make_web_identity_provider(c)->credentials(), ConfigError);
}

TEST_F(WebIdentityTest, SourceReadsEnvironmentBeforeProfile) {
  auto transport = std::make_shared<ScriptedTransport>(
      [](const HttpRequest&) { return respond(200, kStsSuccess); });
  HttpSourceOptions http{transport, true, clock_.clock()};
  const std::string env_token = write("env-token", "ENVTOKEN");
  const std::string profile_token = write("profile-token", "PROFILETOKEN");
  write_config("[default]\nweb_identity_token_file = " + profile_token +
               "\nrole_arn = arn:aws:iam::1:role/profile\nrole_session_name = from-profile\n");
  auto files = SharedConfig::load();
  const ProfileChoice choice = choose_profile(std::nullopt);
  auto profile = selected_profile(files, choice);

  setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:2", 1);
  auto r = web_identity_source(files, choice, profile, std::string("eu-west-1"), http);
  ASSERT_NE(r.provider, nullptr);
  auto req = transport->requests().back();
  EXPECT_EQ(req.url, "http://127.0.0.1:2/");
  EXPECT_NE(req.body.find("WebIdentityToken=PROFILETOKEN"), std::string::npos);
  EXPECT_NE(req.body.find("role%2Fprofile"), std::string::npos);
  EXPECT_NE(req.body.find("RoleSessionName=from-profile"), std::string::npos);

  setenv("AWS_WEB_IDENTITY_TOKEN_FILE", env_token.c_str(), 1);
  setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/env", 1);
  setenv("AWS_ROLE_SESSION_NAME", "from-env", 1);
  r = web_identity_source(files, choice, profile, std::string("eu-west-1"), http);
  ASSERT_NE(r.provider, nullptr);
  req = transport->requests().back();
  EXPECT_NE(req.body.find("WebIdentityToken=ENVTOKEN"), std::string::npos);
  EXPECT_NE(req.body.find("role%2Fenv"), std::string::npos);
  EXPECT_NE(req.body.find("RoleSessionName=from-env"), std::string::npos);
}

TEST_F(WebIdentityTest, SourceDefaultsToRegionalOrGlobalSts) {
  auto transport = std::make_shared<ScriptedTransport>(
      [](const HttpRequest&) { return respond(200, kStsSuccess); });
  HttpSourceOptions http{transport, true, clock_.clock()};
  setenv("AWS_WEB_IDENTITY_TOKEN_FILE", write("t", "TOKEN").c_str(), 1);
  setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/r", 1);
  const auto files = SharedConfig::load();
  const ProfileChoice choice = choose_profile(std::nullopt);
  // The scripted transport only records the URL: nothing leaves the machine.
  (void)web_identity_source(files, choice, {}, std::string("eu-west-1"), http);
  EXPECT_EQ(transport->requests().back().url, "https://sts.eu-west-1.amazonaws.com/");
  (void)web_identity_source(files, choice, {}, std::nullopt, http);
  EXPECT_EQ(transport->requests().back().url, "https://sts.amazonaws.com/");
  (void)web_identity_source(files, choice, {}, std::string("cn-north-1"), http);
  EXPECT_EQ(transport->requests().back().url, "https://sts.cn-north-1.amazonaws.com.cn/");
}

TEST_F(WebIdentityTest, SourceSkipsWithoutTokenFileAndFailsWithoutRole) {
  auto transport = std::make_shared<ScriptedTransport>(
      [](const HttpRequest&) { return respond(200, kStsSuccess); });
  HttpSourceOptions http{transport, true, clock_.clock()};
  const auto files = SharedConfig::load();
  const ProfileChoice choice = choose_profile(std::nullopt);
  auto r = web_identity_source(files, choice, {}, std::nullopt, http);
  EXPECT_EQ(r.provider, nullptr);
  EXPECT_NE(r.skipped_because.find("AWS_WEB_IDENTITY_TOKEN_FILE"), std::string::npos);
  setenv("AWS_WEB_IDENTITY_TOKEN_FILE", write("t", "TOKEN").c_str(), 1);
  EXPECT_THROW((void)web_identity_source(files, choice, {}, std::nullopt, http), ConfigError);
  EXPECT_TRUE(transport->requests().empty());
}

// ---- container (scripted) --------------------------------------------------------------

constexpr const char* kContainerJson =
    R"({"AccessKeyId":"ASIACONT","SecretAccessKey":"CONTSECRET","Token":"CONTTOKEN",)"
    R"("Expiration":"2030-01-01T06:00:00Z","RoleArn":"arn:aws:iam::1:role/task"})";

TEST(ContainerUrl, AllowedHosts) {
  for (const char* ok :
       {"https://example.com/creds", "http://127.0.0.1:8080/x", "http://127.1.2.3/x",
        "http://localhost/x", "http://LOCALHOST:1/x", "http://[::1]:80/x", "http://169.254.170.2/v2",
        "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1/credentials",
        "http://[fd00:ec2:0::23]/x"}) {
    EXPECT_TRUE(is_allowed_container_url(ok)) << ok;
  }
  for (const char* bad :
       {"http://example.com/x", "http://10.0.0.1/x", "http://169.254.169.254/x",
        "http://127.0.0.1.evil.com/x", "http://127.0.0.1@evil.com/x", "ftp://127.0.0.1/x",
        "http://[::2]/x", "127.0.0.1/x", "http://", "http://[::1/x"}) {
    EXPECT_FALSE(is_allowed_container_url(bad)) << bad;
  }
}

class ContainerTest : public CredentialsTest {
 protected:
  std::shared_ptr<ScriptedTransport> transport_ = std::make_shared<ScriptedTransport>(
      [](const HttpRequest&) { return respond(200, kContainerJson); });
  HttpSourceOptions http_{transport_, true, system_clock()};
};

TEST_F(ContainerTest, RelativeUriGoesToTheEcsAgentAddress) {
  setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc", 1);
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/ignored", 1);
  const auto r = container_source(http_);
  ASSERT_NE(r.provider, nullptr);
  const Credentials c = r.provider->credentials();
  EXPECT_EQ(c.access_key_id(), "ASIACONT");
  EXPECT_EQ(secret_text(c), "CONTSECRET");
  EXPECT_EQ(c.session_token(), "CONTTOKEN");
  EXPECT_EQ(c.expiration(), at("2030-01-01T06:00:00Z"));
  EXPECT_EQ(c.source(), "container");
  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].url, "http://169.254.170.2/v2/credentials/abc");
  EXPECT_FALSE(header(requests[0], "Authorization").has_value());
  EXPECT_EQ(transport_->options()[0].request_timeout, std::chrono::seconds(2));
}

TEST_F(ContainerTest, FullUriWithTokenFromEnvironment) {
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds", 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abc==", 1);
  ASSERT_NE(container_source(http_).provider, nullptr);
  const auto r = transport_->requests().at(0);
  EXPECT_EQ(r.url, "http://127.0.0.1:9/creds");
  EXPECT_EQ(header(r, "Authorization"), "Basic abc==");
}

TEST_F(ContainerTest, TokenFileWinsAndIsReadOnEveryCall) {
  FakeClock clock(at("2030-01-01T00:00:00Z"));
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://localhost:9/creds", 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-env", 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", write("tok", "file-token-1\n").c_str(), 1);
  RefreshOptions refresh;
  refresh.clock = clock.clock();
  const auto r = container_source(http_, refresh);
  ASSERT_NE(r.provider, nullptr);
  write("tok", "file-token-2");
  clock.set(at("2030-01-01T05:50:00Z"));
  (void)r.provider->credentials();
  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(header(requests[0], "Authorization"), "file-token-1");
  EXPECT_EQ(header(requests[1], "Authorization"), "file-token-2");
}

TEST_F(ContainerTest, RefusedHostsAndHeaderInjection) {
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.1/creds", 1);
  EXPECT_THROW((void)container_source(http_), ConfigError);
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds", 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "abc\r\nX-Evil: 1", 1);
  EXPECT_THROW((void)container_source(http_), ConfigError);
  unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", write("tok", "a\nb").c_str(), 1);
  EXPECT_THROW((void)container_source(http_), ConfigError);
  EXPECT_TRUE(transport_->requests().empty());
}

TEST_F(ContainerTest, SkippedWhenNotConfigured) {
  const auto r = container_source(http_);
  EXPECT_EQ(r.provider, nullptr);
  EXPECT_NE(r.skipped_because.find("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), std::string::npos);
}

TEST_F(ContainerTest, ErrorsRetriesAndBadBodies) {
  std::atomic<int> n{0};
  auto flaky = std::make_shared<ScriptedTransport>([&](const HttpRequest&) -> HttpResponse {
    if (++n < 3) throw TransportError(TransportErrorKind::kTimeout, "timed out");
    return respond(200, kContainerJson);
  });
  ContainerConfig config;
  config.url = "http://127.0.0.1:9/c";
  config.http.transport = flaky;
  EXPECT_EQ(make_container_provider(config)->credentials().access_key_id(), "ASIACONT");
  EXPECT_EQ(n, 3);

  auto forbidden = std::make_shared<ScriptedTransport>(
      [](const HttpRequest&) { return respond(403, R"({"message":"denied"})"); });
  config.http.transport = forbidden;
  EXPECT_THROW((void)make_container_provider(config)->credentials(), ConfigError);
  EXPECT_EQ(forbidden->requests().size(), 1u);

  auto missing = std::make_shared<ScriptedTransport>([](const HttpRequest&) {
    return respond(200, R"({"AccessKeyId":"A","Token":"T","Expiration":"2030-01-01T00:00:00Z"})");
  });
  config.http.transport = missing;
  try {
    (void)make_container_provider(config)->credentials();
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("SecretAccessKey"), std::string::npos);
  }
}

// ---- instance metadata (scripted) ------------------------------------------------------

constexpr const char* kImdsCredentials =
    R"({"Code":"Success","LastUpdated":"2030-01-01T00:00:00Z","Type":"AWS-HMAC",)"
    R"("AccessKeyId":"ASIAIMDS","SecretAccessKey":"IMDSSECRET","Token":"IMDSTOKEN",)"
    R"("Expiration":"2030-01-01T06:00:00Z"})";

// A scripted IMDS: issues tokens "tok-N", serves role "web-role", counts everything.
struct FakeImds {
  int put_status = 200;
  bool put_times_out = false;
  bool connect_fails = false;
  int role_status = 200;
  std::string credentials_body = kImdsCredentials;
  int expire_tokens_once = 0;  // how many 401s to answer before accepting the token
  std::atomic<int> tokens_issued{0};

  HttpResponse handle(const HttpRequest& r) {
    if (connect_fails) throw TransportError(TransportErrorKind::kConnectFailed, "refused");
    if (r.method == "PUT" && r.url.ends_with("/latest/api/token")) {
      if (put_times_out) throw TransportError(TransportErrorKind::kTimeout, "timed out");
      if (put_status != 200) return respond(put_status, "");
      return respond(200, "tok-" + std::to_string(++tokens_issued));
    }
    if (r.method != "GET") return respond(405, "");
    if (expire_tokens_once > 0 && header(r, "X-aws-ec2-metadata-token")) {
      --expire_tokens_once;
      return respond(401, "");
    }
    if (r.url.ends_with("/latest/meta-data/iam/security-credentials/")) {
      return respond(role_status, role_status == 200 ? "web-role\nsecond-role\n" : "");
    }
    if (r.url.ends_with("/latest/meta-data/iam/security-credentials/web-role")) {
      return respond(200, credentials_body);
    }
    return respond(404, "");
  }
};

class ImdsTest : public CredentialsTest {
 protected:
  void SetUp() override {
    CredentialsTest::SetUp();
    unsetenv("AWS_EC2_METADATA_DISABLED");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9", 1);
  }
  ImdsConfig config() {
    ImdsConfig c;
    c.endpoint = "http://127.0.0.1:9";
    c.http = {transport_, true, clock_.clock()};
    c.refresh.clock = clock_.clock();
    return c;
  }
  FakeClock clock_{at("2030-01-01T00:00:00Z")};
  FakeImds imds_;
  std::shared_ptr<ScriptedTransport> transport_ = std::make_shared<ScriptedTransport>(
      [this](const HttpRequest& r) { return imds_.handle(r); });
};

TEST_F(ImdsTest, TokenThenRoleThenCredentials) {
  const Credentials c = make_imds_provider(config())->credentials();
  EXPECT_EQ(c.access_key_id(), "ASIAIMDS");
  EXPECT_EQ(secret_text(c), "IMDSSECRET");
  EXPECT_EQ(c.session_token(), "IMDSTOKEN");
  EXPECT_EQ(c.expiration(), at("2030-01-01T06:00:00Z"));
  EXPECT_EQ(c.source(), "EC2 instance metadata");
  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].url, "http://127.0.0.1:9/latest/api/token");
  EXPECT_EQ(header(requests[0], "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(requests[1].url, "http://127.0.0.1:9/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(header(requests[1], "X-aws-ec2-metadata-token"), "tok-1");
  EXPECT_EQ(requests[2].url,
            "http://127.0.0.1:9/latest/meta-data/iam/security-credentials/web-role");
  EXPECT_EQ(header(requests[2], "X-aws-ec2-metadata-token"), "tok-1");
  for (const auto& r : requests) EXPECT_FALSE(header(r, "X-Forwarded-For").has_value());
  EXPECT_EQ(transport_->options()[0].request_timeout, std::chrono::seconds(1));
}

TEST_F(ImdsTest, TokenIsReusedUntilNearItsTtl) {
  auto set_expiration = [&](const std::string& hhmm) {
    imds_.credentials_body = kImdsCredentials;
    imds_.credentials_body.replace(imds_.credentials_body.find("06:00:00Z"), 9, hhmm + ":00Z");
  };
  auto c = config();
  c.token_ttl = std::chrono::seconds(3600);
  set_expiration("00:30");
  auto provider = make_imds_provider(c);
  (void)provider->credentials();
  EXPECT_EQ(imds_.tokens_issued, 1);
  clock_.set(at("2030-01-01T00:20:00Z"));  // credentials refresh inside the token's hour
  (void)provider->credentials();
  EXPECT_EQ(imds_.tokens_issued, 1);
  EXPECT_EQ(transport_->requests().size(), 5u);  // PUT GET GET, then GET GET
  set_expiration("02:00");
  clock_.set(at("2030-01-01T01:10:00Z"));  // the token is past its TTL
  (void)provider->credentials();
  EXPECT_EQ(imds_.tokens_issued, 2);
  EXPECT_EQ(header(transport_->requests().back(), "X-aws-ec2-metadata-token"), "tok-2");
  EXPECT_EQ(header(transport_->requests()[0], "X-aws-ec2-metadata-token-ttl-seconds"), "3600");
}

TEST_F(ImdsTest, Unauthorized401FetchesANewTokenOnce) {
  imds_.expire_tokens_once = 1;
  EXPECT_EQ(make_imds_provider(config())->credentials().access_key_id(), "ASIAIMDS");
  EXPECT_EQ(imds_.tokens_issued, 2);
  const auto requests = transport_->requests();
  EXPECT_EQ(header(requests.back(), "X-aws-ec2-metadata-token"), "tok-2");
}

TEST_F(ImdsTest, FallsBackToV1On403AndTimeouts) {
  for (bool timeout : {false, true}) {
    imds_.put_status = timeout ? 200 : 403;
    imds_.put_times_out = timeout;
    const auto before = transport_->requests().size();
    EXPECT_EQ(make_imds_provider(config())->credentials().access_key_id(), "ASIAIMDS");
    const auto requests = transport_->requests();
    ASSERT_EQ(requests.size(), before + 3);
    EXPECT_FALSE(header(requests[before + 1], "X-aws-ec2-metadata-token").has_value());
    EXPECT_FALSE(header(requests[before + 2], "X-aws-ec2-metadata-token").has_value());
  }
}

TEST_F(ImdsTest, V1DisabledAnd400GiveUp) {
  imds_.put_status = 404;
  auto c = config();
  c.v1_disabled = true;
  EXPECT_THROW((void)make_imds_provider(c)->credentials(), ConfigError);
  imds_.put_status = 400;
  EXPECT_THROW((void)make_imds_provider(config())->credentials(), ConfigError);
  EXPECT_EQ(transport_->requests().size(), 2u);  // only the two PUTs
}

TEST_F(ImdsTest, CodeMustBeSuccessWhenPresent) {
  imds_.credentials_body = R"({"Code":"AssumeRoleUnauthorizedAccess","AccessKeyId":"A",)"
                           R"("SecretAccessKey":"S","Token":"T","Expiration":"2030-01-01T06:00:00Z"})";
  EXPECT_THROW((void)make_imds_provider(config())->credentials(), ConfigError);
  // moto leaves Code out altogether.
  imds_.credentials_body = R"({"AccessKeyId":"MOTO","SecretAccessKey":"S","Token":"T",)"
                           R"("Expiration":"2030-01-01T06:00:00Z"})";
  EXPECT_EQ(make_imds_provider(config())->credentials().access_key_id(), "MOTO");
}

TEST_F(ImdsTest, SourceSkipsWhenDisabledUnreachableOrWithoutRole) {
  setenv("AWS_EC2_METADATA_DISABLED", "TRUE", 1);
  auto r = imds_source({}, {transport_, true, clock_.clock()});
  EXPECT_EQ(r.provider, nullptr);
  EXPECT_NE(r.skipped_because.find("AWS_EC2_METADATA_DISABLED"), std::string::npos);
  EXPECT_TRUE(transport_->requests().empty());

  unsetenv("AWS_EC2_METADATA_DISABLED");
  imds_.connect_fails = true;
  r = imds_source({}, {transport_, true, clock_.clock()});
  EXPECT_EQ(r.provider, nullptr);
  EXPECT_NE(r.skipped_because.find("not reachable"), std::string::npos) << r.skipped_because;

  imds_.connect_fails = false;
  imds_.role_status = 404;
  r = imds_source({}, {transport_, true, clock_.clock()});
  EXPECT_EQ(r.provider, nullptr);
  EXPECT_NE(r.skipped_because.find("no IAM role"), std::string::npos) << r.skipped_because;
}

TEST_F(ImdsTest, SourceSettingsFromEnvironmentAndProfile) {
  ProfileSection profile;
  profile.properties["ec2_metadata_service_endpoint"] = "http://127.0.0.2:7";
  profile.properties["metadata_service_num_attempts"] = "3";
  unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  imds_.connect_fails = true;
  (void)imds_source(profile, {transport_, true, clock_.clock()});
  auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 3u);  // three attempts at the PUT
  EXPECT_EQ(requests[0].url, "http://127.0.0.2:7/latest/api/token");

  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.3:7", 1);
  setenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "1", 1);
  setenv("AWS_METADATA_SERVICE_TIMEOUT", "4", 1);
  (void)imds_source(profile, {transport_, true, clock_.clock()});
  requests = transport_->requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[3].url, "http://127.0.0.3:7/latest/api/token");
  EXPECT_EQ(transport_->options()[3].request_timeout, std::chrono::seconds(4));

  setenv("AWS_METADATA_SERVICE_TIMEOUT", "soon", 1);
  EXPECT_THROW((void)imds_source(profile, {transport_, true, clock_.clock()}), ConfigError);
}

TEST_F(ImdsTest, Ipv6ModeUsesTheIpv6Address) {
  unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6", 1);
  imds_.connect_fails = true;  // the scripted transport records the URL and sends nothing
  (void)imds_source({}, {transport_, true, clock_.clock()});
  EXPECT_EQ(transport_->requests().at(0).url, "http://[fd00:ec2::254]/latest/api/token");
  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5", 1);
  EXPECT_THROW((void)imds_source({}, {transport_, true, clock_.clock()}), ConfigError);
}

TEST_F(ImdsTest, KeepsLastGoodCredentialsWhenImdsGoesAway) {
  auto provider = make_imds_provider(config());
  EXPECT_EQ(provider->credentials().access_key_id(), "ASIAIMDS");
  imds_.connect_fails = true;
  clock_.set(at("2030-01-01T07:00:00Z"));  // past expiry
  EXPECT_EQ(provider->credentials().access_key_id(), "ASIAIMDS");
}

// ---- the chain -------------------------------------------------------------------------

class ChainTest : public CredentialsTest {
 protected:
  ChainOptions options() {
    ChainOptions o;
    o.http = {transport_, true, system_clock()};
    o.container_relative_base = "http://127.0.0.1:9";
    return o;
  }
  FakeImds imds_;
  std::atomic<int> sts_calls_{0};
  std::shared_ptr<ScriptedTransport> transport_ =
      std::make_shared<ScriptedTransport>([this](const HttpRequest& r) -> HttpResponse {
        if (r.url.find("/latest/") != std::string::npos) return imds_.handle(r);
        if (r.url == "http://127.0.0.1:9/sts/") {
          ++sts_calls_;
          return respond(200, kStsSuccess);
        }
        if (r.url == "http://127.0.0.1:9/container") return respond(200, kContainerJson);
        return respond(404, "");
      });
};

TEST_F(ChainTest, NothingFoundListsEverySourceAndWhy) {
  try {
    (void)make_chain_provider(options())->credentials();
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("no AWS credentials found"), std::string::npos) << m;
    EXPECT_NE(m.find("environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set)"),
              std::string::npos) << m;
    EXPECT_NE(m.find("profile 'default' (no profile 'default' in " + dir_ + "/credentials or " +
                     dir_ + "/config)"),
              std::string::npos) << m;
    EXPECT_NE(m.find("web identity (AWS_WEB_IDENTITY_TOKEN_FILE is not set"), std::string::npos) << m;
    EXPECT_NE(m.find("container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), std::string::npos) << m;
    EXPECT_NE(m.find("EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)"),
              std::string::npos) << m;
  }
  EXPECT_TRUE(transport_->requests().empty());
}

TEST_F(ChainTest, NothingFoundMessageNeverHoldsSecrets) {
  // A profile with a secret but a role it cannot use still must not leak the secret.
  write_config("[default]\nregion = us-east-1\nsecret_looking_key = TOPSECRETVALUE\n");
  unsetenv("AWS_EC2_METADATA_DISABLED");
  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9", 1);
  imds_.role_status = 404;
  try {
    (void)make_chain_provider(options())->credentials();
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find("TOPSECRETVALUE"), std::string::npos) << m;
    EXPECT_NE(m.find("no IAM role attached"), std::string::npos) << m;
  }
}

TEST_F(ChainTest, OrderEnvironmentProfileWebIdentityContainerImds) {
  // Configure every source, then take them away from the front one by one.
  setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
  write_credentials("[default]\naws_access_key_id = PROFILEKEY\naws_secret_access_key = P\n");
  setenv("AWS_WEB_IDENTITY_TOKEN_FILE", write("token", "TOKEN").c_str(), 1);
  setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/r", 1);
  setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9/sts", 1);
  setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/container", 1);
  unsetenv("AWS_EC2_METADATA_DISABLED");
  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9", 1);

  EXPECT_EQ(make_chain_provider(options())->credentials().source(), "environment");
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(make_chain_provider(options())->credentials().source(), "profile default");
  write_credentials("");
  EXPECT_EQ(make_chain_provider(options())->credentials().access_key_id(), "ASIASTS");
  unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
  EXPECT_EQ(make_chain_provider(options())->credentials().source(), "container");
  unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  EXPECT_EQ(make_chain_provider(options())->credentials().source(), "EC2 instance metadata");
}

TEST_F(ChainTest, KeepsTheWinnerOnceResolved) {
  setenv("AWS_ACCESS_KEY_ID", "FIRST", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "S", 1);
  auto chain = make_chain_provider(options());
  EXPECT_EQ(chain->credentials().access_key_id(), "FIRST");
  setenv("AWS_ACCESS_KEY_ID", "SECOND", 1);
  EXPECT_EQ(chain->credentials().access_key_id(), "FIRST");
}

TEST_F(ChainTest, FailedResolutionIsRetriedOnTheNextCall) {
  auto chain = make_chain_provider(options());
  EXPECT_THROW((void)chain->credentials(), ConfigError);
  setenv("AWS_ACCESS_KEY_ID", "LATER", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "S", 1);
  EXPECT_EQ(chain->credentials().access_key_id(), "LATER");
}

TEST_F(ChainTest, ConfiguredButBrokenSourceStopsTheChain) {
  setenv("AWS_ACCESS_KEY_ID", "HALF", 1);
  setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/container", 1);
  EXPECT_THROW((void)make_chain_provider(options())->credentials(), ConfigError);
  unsetenv("AWS_ACCESS_KEY_ID");
  write_config("[default]\ncredential_process = " + dir_ + "/missing-helper\n");
  EXPECT_THROW((void)make_chain_provider(options())->credentials(), ConfigError);
}

TEST_F(ChainTest, ExplicitProfileMustExistUnlessEnvironmentWins) {
  ChainOptions o = options();
  o.profile = "nope";
  EXPECT_THROW((void)make_chain_provider(o)->credentials(), ConfigError);
  setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "S", 1);
  EXPECT_EQ(make_chain_provider(o)->credentials().access_key_id(), "ENVKEY");
}

TEST_F(ChainTest, ProfileFromConfigOrAwsProfile) {
  write_credentials("[a]\naws_access_key_id = AKEY\naws_secret_access_key = S\n"
                    "[b]\naws_access_key_id = BKEY\naws_secret_access_key = S\n");
  ChainOptions o = options();
  setenv("AWS_PROFILE", "b", 1);
  EXPECT_EQ(make_chain_provider(o)->credentials().access_key_id(), "BKEY");
  o.profile = "a";
  EXPECT_EQ(make_chain_provider(o)->credentials().access_key_id(), "AKEY");
}

TEST_F(ChainTest, WebIdentityUsesTheRegionForSts) {
  setenv("AWS_WEB_IDENTITY_TOKEN_FILE", write("token", "TOKEN").c_str(), 1);
  setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/r", 1);
  write_config("[default]\nregion = ap-northeast-1\n");
  auto fail_all = std::make_shared<ScriptedTransport>(
      [](const HttpRequest&) -> HttpResponse { throw TransportError(TransportErrorKind::kConnectFailed, "x"); });
  ChainOptions o = options();
  o.http.transport = fail_all;
  EXPECT_THROW((void)make_chain_provider(o)->credentials(), ConfigError);
  EXPECT_EQ(fail_all->requests().at(0).url, "https://sts.ap-northeast-1.amazonaws.com/");
  o.region = "eu-south-1";
  EXPECT_THROW((void)make_chain_provider(o)->credentials(), ConfigError);
  EXPECT_EQ(fail_all->requests().back().url, "https://sts.eu-south-1.amazonaws.com/");
}

TEST_F(ChainTest, ConcurrentFirstCallsResolveOnce) {
  setenv("AWS_WEB_IDENTITY_TOKEN_FILE", write("token", "TOKEN").c_str(), 1);
  setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/r", 1);
  setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9/sts", 1);
  auto chain = make_chain_provider(options());
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] { EXPECT_EQ(chain->credentials().access_key_id(), "ASIASTS"); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(sts_calls_, 1);
}

TEST_F(ChainTest, PublicFactoryUsesTheClientConfig) {
  write_credentials("[p]\naws_access_key_id = PKEY\naws_secret_access_key = S\n");
  ClientConfig config;
  config.profile = "p";
  config.transport = transport_;
  EXPECT_EQ(make_default_credentials_provider(config)->credentials().access_key_id(), "PKEY");
  setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "S", 1);
  EXPECT_EQ(make_default_credentials_provider()->credentials().access_key_id(), "ENVKEY");
}

}  // namespace
}  // namespace ddbcrypt::aws::internal
