// `ddbcrypt stream decrypt`, run as a process (DDBCRYPT_CLI_PATH), on events whose images
// `ddbcrypt encrypt` made.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ddbcrypt/aws/dynamodb_streams.h"
#include "ddbcrypt/item/dynamodb_json.h"

namespace ddbcrypt {
namespace {

namespace fs = std::filesystem;

struct ProcessRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class StreamCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ddbcrypt_stream_cli_" + std::to_string(::getpid()) +
                                        "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_EQ(run("keygen --kind static --out '" + path("keys.json") + "'").exit_code, 0);
    args_ = "--materials '" + path("keys.json") +
            "' --table orders --partition-key pk --sort-key sk --action email=sign";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  ProcessRun run(const std::string& args, const std::string& input = "") const {
    std::ofstream(path("stdin"), std::ios::binary | std::ios::trunc) << input;
    const std::string command = std::string("'") + DDBCRYPT_CLI_PATH + "' " + args + " < '" +
                                path("stdin") + "' > '" + path("stdout") + "' 2> '" +
                                path("stderr") + "'";
    const int status = std::system(command.c_str());
    ProcessRun r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_text(path("stdout"));
    r.err = read_text(path("stderr"));
    return r;
  }

  // The items encrypted by `ddbcrypt encrypt`, as DynamoDB-JSON lines.
  std::vector<std::string> encrypted(const std::vector<Item>& items) const {
    std::string input;
    for (const Item& item : items) input += to_json(item) + "\n";
    const ProcessRun r = run("encrypt " + args_, input);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) out.push_back(line);
    return out;
  }

  static std::string record(const std::string& id, const std::string& images) {
    return R"({"eventID":")" + id +
           R"(","eventName":"MODIFY","eventSource":"aws:dynamodb","dynamodb":{"Keys":{"pk":{"S":"k"},"sk":{"N":"1"}})" +
           images + R"(,"StreamViewType":"NEW_AND_OLD_IMAGES"},"userIdentity":null})";
  }

  fs::path dir_;
  std::string args_;
};

Item item(const std::string& secret) {
  return {{"pk", AttributeValue::S("k")},
          {"sk", AttributeValue::N("1")},
          {"secret", AttributeValue::S(secret)},
          {"email", AttributeValue::S("e@example.com")}};
}

TEST_F(StreamCommand, DecryptsAWholeEventAndJsonLines) {
  const std::vector<std::string> images = encrypted({item("CLI-SECRET-old"), item("CLI-SECRET-new")});
  ASSERT_EQ(images.size(), 2u);
  const std::string event = R"({"Records":[)" +
                            record("1", R"(,"NewImage":)" + images[1] + R"(,"OldImage":)" + images[0]) +
                            R"(]})";
  ASSERT_EQ(event.find("CLI-SECRET"), std::string::npos);
  const ProcessRun whole = run("stream decrypt " + args_, event);
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const aws::StreamEvent decrypted = aws::parse_stream_event_json(whole.out);
  ASSERT_EQ(decrypted.records.size(), 1u);
  EXPECT_EQ(*decrypted.records[0].dynamodb.new_image, item("CLI-SECRET-new"));
  EXPECT_EQ(*decrypted.records[0].dynamodb.old_image, item("CLI-SECRET-old"));
  EXPECT_NE(whole.out.find(R"("userIdentity":null)"), std::string::npos);

  // JSON lines: a record, then an event.
  const ProcessRun lines = run("stream decrypt " + args_,
                        record("2", R"(,"NewImage":)" + images[0]) + "\n" + event + "\n");
  ASSERT_EQ(lines.exit_code, 0) << lines.err;
  std::istringstream out(lines.out);
  std::string first;
  std::string second;
  std::getline(out, first);
  std::getline(out, second);
  EXPECT_EQ(*aws::parse_stream_record_json(first).dynamodb.new_image, item("CLI-SECRET-old"));
  EXPECT_EQ(*aws::parse_stream_event_json(second).records.at(0).dynamodb.new_image,
            item("CLI-SECRET-new"));
}

TEST_F(StreamCommand, RefusesTamperedImagesAndOtherTables) {
  const std::vector<std::string> images = encrypted({item("CLI-SECRET")});
  std::string tampered = images[0];
  tampered.replace(tampered.find("e@example.com"), 13, "x@example.com");
  const ProcessRun bad = run("stream decrypt " + args_,
                      R"({"Records":[)" + record("t", R"(,"NewImage":)" + tampered) + "]}");
  EXPECT_EQ(bad.exit_code, 7) << bad.err;
  EXPECT_NE(bad.err.find("Records[0] (eventID t) NewImage"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find("CLI-SECRET"), std::string::npos);
  EXPECT_TRUE(bad.out.empty());

  std::string other_table = args_;
  other_table.replace(other_table.find("orders"), 6, "invoices");
  const ProcessRun wrong = run("stream decrypt " + other_table,
                        R"({"Records":[)" + record("w", R"(,"NewImage":)" + images[0]) + "]}");
  EXPECT_EQ(wrong.exit_code, 7) << wrong.err;

  const ProcessRun malformed = run("stream decrypt " + args_, "{\"Records\": 5}\n");
  EXPECT_EQ(malformed.exit_code, 4) << malformed.err;
}

}  // namespace
}  // namespace ddbcrypt
