// The ddbcrypt CLI, run as a process (DDBCRYPT_CLI_PATH).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "ddbcrypt/item/dynamodb_json.h"
#include "legacy/vector_files.h"

namespace ddbcrypt {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ddbcrypt_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name), std::ios::binary | std::ios::trunc) << text;
  }

  CliRun run(const std::string& args, const std::string& input = "") const {
    return run_with_env("", args, input);
  }
  // `env` is a prefix of NAME=VALUE assignments for the shell.
  CliRun run_with_env(const std::string& env, const std::string& args,
                      const std::string& input = "") const {
    write("stdin", input);
    const std::string command = env + "'" + DDBCRYPT_CLI_PATH + "' " + args + " < '" +
                                path("stdin") + "' > '" + path("stdout") + "' 2> '" +
                                path("stderr") + "'";
    const int status = std::system(command.c_str());
    CliRun r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = testing::read_text_file(path("stdout"));
    r.err = testing::read_text_file(path("stderr"));
    return r;
  }

  std::string keygen(const std::string& kind) const {
    const std::string file = path(kind + ".json");
    const CliRun r = run("keygen --kind " + kind + " --out '" + file + "'");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return file;
  }

  fs::path dir_;
};

const std::string kItems =
    R"({"pk":{"S":"a"},"sk":{"N":"1"},"secret":{"S":"top secret"},"n":{"N":"1.50"},"m":{"M":{"l":{"L":[{"NULL":true},{"BOOL":false},{"BS":["AAE=","Ag=="]}]}}}})"
    "\n"
    R"({"pk":{"S":"b"},"sk":{"N":"2"},"bin":{"B":"AAEC"},"ss":{"SS":["z","a"]},"e":{"S":""}})"
    "\n";

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

void expect_same_items(const std::string& actual, const std::string& expected) {
  const auto a = lines(actual);
  const auto e = lines(expected);
  ASSERT_EQ(a.size(), e.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(equivalent(parse_item_json(a[i]), parse_item_json(e[i]))) << a[i];
  }
}

TEST_F(Cli, VectorsRunPassesEveryOfflineScenario) {
  const CliRun r = run("vectors run '" + testing::legacy_vector_path("encrypted_item/scenarios.json") + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto out = lines(r.out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), "9 passed, 0 failed, 2 skipped");
  EXPECT_NE(r.out.find("PASS ciphertext/python/static-aes-hmac-1.json\n"), std::string::npos);
  EXPECT_NE(r.out.find("PASS ciphertext/python/metastore-data-tables-1.json\n"), std::string::npos);
  EXPECT_NE(r.out.find("SKIP ciphertext/python/aws-kms-direct-1.json: needs network\n"),
            std::string::npos);
}

TEST_F(Cli, VectorsRunReportsFailuresWithExitCode1) {
  fs::copy(testing::legacy_vector_path("encrypted_item"), dir_ / "vectors",
           fs::copy_options::recursive);
  // Change the HMAC key: every scenario that signs with it fails.
  const std::string keys_path = path("vectors/keys.json");
  std::string keys = testing::read_text_file(keys_path);
  const auto pos = keys.find("AAECAwQFBgc=");
  ASSERT_NE(pos, std::string::npos);
  keys.replace(pos, 12, "BwYFBAMCAQA=");
  write("vectors/keys.json", keys);
  const CliRun r = run("vectors run '" + path("vectors/scenarios.json") + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("FAIL ciphertext/python/static-aes-hmac-1.json: "), std::string::npos);
  // The three wrapped-rsa scenarios and the RSA-protected meta store sign with RSA.
  EXPECT_EQ(lines(r.out).back(), "4 passed, 5 failed, 2 skipped");
}

TEST_F(Cli, EncryptDecryptRoundTripForEveryKind) {
  for (const char* kind : {"static", "wrapped-aes", "wrapped-rsa"}) {
    SCOPED_TRACE(kind);
    const std::string materials = keygen(kind);
    const std::string opts =
        "--materials '" + materials + "' --table T --partition-key pk --sort-key sk --action n=sign";
    const CliRun enc = run("encrypt " + opts, kItems);
    ASSERT_EQ(enc.exit_code, 0) << enc.err;
    EXPECT_EQ(lines(enc.out).size(), 2u);
    EXPECT_EQ(enc.out.find("top secret"), std::string::npos);
    EXPECT_NE(enc.out.find(R"("n":{"N":"1.50"})"), std::string::npos);
    const CliRun dec = run("decrypt " + opts, enc.out);
    ASSERT_EQ(dec.exit_code, 0) << dec.err;
    expect_same_items(dec.out, kItems);
    // Other actions at decrypt time: the signature no longer matches.
    const CliRun wrong = run("decrypt --materials '" + materials +
                              "' --table T --partition-key pk --sort-key sk",
                          enc.out);
    EXPECT_EQ(wrong.exit_code, 7);
    EXPECT_NE(wrong.err.find("ddbcrypt: error: line 1: "), std::string::npos) << wrong.err;
  }
}

TEST_F(Cli, ActionsFile) {
  const std::string materials = keygen("static");
  write("actions.json", R"({"default": "sign", "override": {"secret": "encrypt", "e": "nothing"}})");
  const std::string opts = "--materials '" + materials +
                           "' --table T --partition-key pk --sort-key sk --actions '" +
                           path("actions.json") + "'";
  const CliRun enc = run("encrypt " + opts, kItems);
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  EXPECT_EQ(enc.out.find("top secret"), std::string::npos);
  EXPECT_NE(enc.out.find(R"("ss":{"SS":["z","a"]})"), std::string::npos);  // signed, clear
  const CliRun dec = run("decrypt " + opts, enc.out);
  ASSERT_EQ(dec.exit_code, 0) << dec.err;
  expect_same_items(dec.out, kItems);

  write("bad_actions.json", R"({"default": "scramble"})");
  const CliRun bad = run("encrypt --materials '" + materials +
                          "' --table T --partition-key pk --actions '" + path("bad_actions.json") +
                          "'",
                      kItems);
  EXPECT_EQ(bad.exit_code, 3);
  // --actions excludes --default-action.
  EXPECT_EQ(run("encrypt " + opts + " --default-action sign", kItems).exit_code, 2);
}

TEST_F(Cli, BadLineIsReportedByNumberAndStopsWithItsErrorClass) {
  const std::string materials = keygen("static");
  const std::string opts = "--materials '" + materials + "' --table T --partition-key pk";
  const std::string input = kItems + "{\"pk\": {\"S\": \"c\"}, \"bad\": {\"N\": \"x\"}}\n" + kItems;
  const CliRun r = run("encrypt " + opts, input);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("ddbcrypt: error: line 3: "), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.err).size(), 1u);
  EXPECT_EQ(lines(r.out).size(), 2u);  // the lines before it were written, nothing after

  const CliRun blank = run("encrypt " + opts, kItems + "\n" + kItems);
  EXPECT_EQ(blank.exit_code, 4);
  EXPECT_NE(blank.err.find("line 3: empty line"), std::string::npos) << blank.err;

  const CliRun reserved = run("encrypt " + opts, R"({"pk":{"S":"a"},"*amzn-ddb-map-sig*":{"B":"AA=="}})" "\n");
  EXPECT_EQ(reserved.exit_code, 3);
  EXPECT_NE(reserved.err.find("line 1: "), std::string::npos);

  const CliRun plain = run("decrypt " + opts, R"({"pk":{"S":"a"}})" "\n");
  EXPECT_EQ(plain.exit_code, 6);
  EXPECT_NE(plain.err.find("line 1: "), std::string::npos);
  EXPECT_NE(plain.err.find("no signature"), std::string::npos);
}

TEST_F(Cli, UsageAndFileErrors) {
  EXPECT_EQ(run("").exit_code, 2);
  EXPECT_EQ(run("encrypt --table T --partition-key pk").exit_code, 2);
  EXPECT_EQ(run("frobnicate").exit_code, 2);
  EXPECT_EQ(run("keygen --kind kms").exit_code, 2);
  const CliRun missing = run("encrypt --materials '" + path("none.json") + "' --table T --partition-key pk");
  EXPECT_EQ(missing.exit_code, 9);
  EXPECT_EQ(missing.err.rfind("ddbcrypt: error: ", 0), 0u) << missing.err;
  write("bad.json", "{\"provider\": \"static\"}");
  EXPECT_EQ(run("encrypt --materials '" + path("bad.json") + "' --table T --partition-key pk").exit_code, 3);
  EXPECT_EQ(run("--version").exit_code, 0);
  EXPECT_EQ(run("--help").exit_code, 0);
}

TEST_F(Cli, MetaCommandsRefuseUnusableArgumentsWithoutCallingAws) {
  // Every AWS endpoint points at a closed port: a call that slipped through would fail with
  // exit 8, not 3.
  const std::string env = "AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y "
                          "AWS_ENDPOINT_URL=http://127.0.0.1:9 ";
  const CliRun units = run_with_env(env, "meta create-table --table T --read-units 5");
  EXPECT_EQ(units.exit_code, 3) << units.err;
  EXPECT_NE(units.err.find("--write-units"), std::string::npos) << units.err;
  EXPECT_EQ(run("meta").exit_code, 2);
  EXPECT_EQ(run("meta new-version").exit_code, 2);
  const std::string materials = keygen("static");
  const CliRun not_most_recent =
      run_with_env(env, "meta new-version --materials '" + materials + "'");
  EXPECT_EQ(not_most_recent.exit_code, 3) << not_most_recent.err;
  EXPECT_NE(not_most_recent.err.find("most-recent"), std::string::npos) << not_most_recent.err;
  // A most-recent file whose meta table cannot be reached: the AWS error, exit 8.
  write("mr.json", R"({"provider": "most-recent", "meta_table": "t", "material_name": "m",
                       "meta_materials": )" + testing::read_text_file(materials) + "}");
  const CliRun unreachable = run_with_env(
      env + "AWS_MAX_ATTEMPTS=1 ", "meta new-version --materials '" + path("mr.json") + "'");
  EXPECT_EQ(unreachable.exit_code, 8) << unreachable.err;
  EXPECT_NE(unreachable.err.find("DynamoDB"), std::string::npos) << unreachable.err;
}

TEST_F(Cli, KeygenWritesPrivateFilesAndNeverOverwrites) {
  const std::string file = keygen("wrapped-aes");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  const std::string before = testing::read_text_file(file);
  const CliRun again = run("keygen --kind static --out '" + file + "'");
  EXPECT_EQ(again.exit_code, 9);
  EXPECT_EQ(testing::read_text_file(file), before);
  const CliRun to_stdout = run("keygen --kind static");
  EXPECT_EQ(to_stdout.exit_code, 0);
  EXPECT_NE(to_stdout.out.find("\"provider\": \"static\""), std::string::npos);
}


// `ddbcrypt field`: what it refuses before any KMS request (the KMS endpoint given is a closed
// loopback port; tests/interop/test_pydynox_interop.py runs it against moto).
TEST_F(Cli, FieldCommandsRefuseUnusableInputBeforeCallingKms) {
  const std::string kms = " --region us-east-1 --kms-endpoint http://127.0.0.1:9";
  EXPECT_EQ(run("field encrypt" + kms, "{\"S\":\"x\"}\n").exit_code, 2);  // --key-id required
  EXPECT_EQ(run("field").exit_code, 2);
  CliRun r = run("field encrypt --key-id alias/app" + kms, "{\"S\":\"x\"}\n");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("--table, --attribute and --key"), std::string::npos) << r.err;
  EXPECT_EQ(run("field encrypt --key-id k --format nope" + kms).exit_code, 3);
  EXPECT_EQ(run("field encrypt --key-id k --format pydynox --context novalue" + kms).exit_code, 3);
  r = run("field encrypt --key-id k --format pydynox" + kms, "{\"N\":\"1\"}\n");
  EXPECT_EQ(r.exit_code, 5) << r.err;  // the pydynox format holds strings only
  EXPECT_NE(r.err.find("line 1"), std::string::npos) << r.err;
  r = run("field encrypt --key-id k --format pydynox" + kms, "not json\n");
  EXPECT_EQ(r.exit_code, 4) << r.err;
  r = run("field decrypt --key-id k --format pydynox" + kms, "ENC:AQAQRURLLVBMQUNFSE9MREVSIQ==\nplain secret\n");
  EXPECT_EQ(r.exit_code, 5) << r.err;  // truncated envelope, refused before KMS
  EXPECT_NE(r.err.find("line 1"), std::string::npos) << r.err;
  r = run("field decrypt --key-id k --format pydynox" + kms, "plain secret\n");
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("not encrypted"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("plain secret"), std::string::npos) << r.err;
  r = run("field decrypt --key-id k --format pydynox --accept-plaintext" + kms, "plain secret\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"S\":\"plain secret\"}\n");
}
}  // namespace
}  // namespace ddbcrypt
