// `ddbcrypt put|get|delete|query|scan` against DynamoDB Local, run as a process
// (DDBCRYPT_CLI_PATH): what they store, what they print, progress, exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ddbcrypt/item/dynamodb_json.h"
#include "ddbcrypt/item/native.h"
#include "integration/encrypted_client_fixture.h"

namespace ddbcrypt::testing {
namespace {

namespace fs = std::filesystem;

struct CliRun {
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

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

class CliTable : public ::testing::Test {
 protected:
  void SetUp() override {
    DDBCRYPT_REQUIRE_STANDINS();
    raw_ = aws::make_dynamodb_client(local_config(*dynamodb_endpoint()));
    table_ = unique_name("cli");
    create_fixture_table(*raw_, table_);
    dir_ = fs::temp_directory_path() / ("ddbcrypt_cli_table_" + std::to_string(::getpid()) + "_" +
                                        table_);
    fs::create_directories(dir_);
    const CliRun key = run("keygen --kind wrapped-aes --out '" + path("keys.json") + "'");
    ASSERT_EQ(key.exit_code, 0) << key.err;
    common_ = "--table " + table_ + " --materials '" + path("keys.json") +
              "' --endpoint-url " + *dynamodb_endpoint() +
              " --default-action encrypt --action email=sign --action g=sign --action l=sign "
              "--action visits=nothing --action note=nothing";
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
    if (raw_ && !table_.empty()) {
      try {
        (void)raw_->delete_table({.table_name = table_});
      } catch (const DynamoDbError&) {
      }
    }
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  CliRun run(const std::string& args, const std::string& input = "",
             const std::string& env = "") const {
    std::ofstream(path("stdin"), std::ios::binary | std::ios::trunc) << input;
    const std::string command = env + " '" + std::string(DDBCRYPT_CLI_PATH) + "' " + args +
                                " < '" + path("stdin") + "' > '" + path("stdout") + "' 2> '" +
                                path("stderr") + "'";
    const int status = std::system(command.c_str());
    CliRun r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_text(path("stdout"));
    r.err = read_text(path("stderr"));
    return r;
  }

  std::vector<Item> stored_items() const {
    std::vector<Item> out;
    aws::ScanPager pages(*raw_, {.table_name = table_, .consistent_read = true});
    while (auto page = pages.next_page()) {
      for (Item& item : page->items) out.push_back(std::move(item));
    }
    return out;
  }

  std::shared_ptr<aws::DynamoDbClient> raw_;
  std::string table_;
  fs::path dir_;
  std::string common_;
};

TEST_F(CliTable, PutGetQueryScanDelete) {
  std::string input;
  for (int i = 0; i < 30; ++i) input += to_json(fixture_row(i < 20 ? "a" : "b", i)) + "\n";
  const CliRun put = run("put " + common_, input);
  ASSERT_EQ(put.exit_code, 0) << put.err;
  const std::vector<Item> stored = stored_items();
  ASSERT_EQ(stored.size(), 30u);
  for (const Item& item : stored) {
    EXPECT_FALSE(contains_secret_text(item)) << to_json(item);
    EXPECT_TRUE(item.at("ssn").is(AttributeValue::Type::kB));
  }

  // get: --key, a projection, a missing key (exit code 10, the found item still printed).
  const CliRun get = run("get " + common_ + " --consistent --projection 'ssn, visits' --key '" +
                         to_json(fixture_key("a", 3)) + "' --key '" +
                         to_json(fixture_key("zzz", 0)) + "'");
  EXPECT_EQ(get.exit_code, 10) << get.err;
  ASSERT_EQ(lines_of(get.out).size(), 1u) << get.out;
  EXPECT_EQ(parse_item_json(lines_of(get.out)[0]),
            (Item{{"ssn", fixture_row("a", 3).at("ssn")},
                  {"visits", fixture_row("a", 3).at("visits")}}));
  EXPECT_NE(get.err.find("--key 2: no item has this key"), std::string::npos) << get.err;

  // query with a filter on a signed attribute, descending.
  const CliRun query = run("query " + common_ +
                           " --key-condition 'pk = :p' --filter 'g = :g' --descending"
                           " --page-size 3 --values '{\":p\":{\"S\":\"a\"},\":g\":{\"S\":\"odd\"}}'");
  ASSERT_EQ(query.exit_code, 0) << query.err;
  std::vector<std::int64_t> order;
  for (const std::string& line : lines_of(query.out)) {
    const Item item = parse_item_json(line);
    const int sk = static_cast<int>(item.at("sk").as_int64());
    EXPECT_TRUE(equivalent(item, fixture_row("a", sk)));
    order.push_back(sk);
  }
  EXPECT_EQ(order, (std::vector<std::int64_t>{19, 17, 15, 13, 11, 9, 7, 5, 3, 1}));

  // A filter on an encrypted attribute: refused with exit code 3 (configuration).
  const CliRun refused = run("scan " + common_ + " --filter 'ssn = :s' --values '{\":s\":{\"S\":\"x\"}}'");
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_NE(refused.err.find("FilterExpression uses attribute \"ssn\""), std::string::npos)
      << refused.err;

  // scan with progress on a non-terminal, several pages, native output.
  const CliRun scan = run("scan " + common_ + " --native --page-size 4 --progress");
  ASSERT_EQ(scan.exit_code, 0) << scan.err;
  const std::vector<std::string> scanned = lines_of(scan.out);
  ASSERT_EQ(scanned.size(), 30u);
  std::set<std::string> ssns;
  for (const std::string& line : scanned) {
    const Item item = parse_native_json_item(line);
    ssns.insert(item.at("ssn").as_s());
  }
  EXPECT_EQ(ssns.size(), 30u);
  EXPECT_NE(scan.err.find("ddbcrypt scan: 8 pages, 30 items read, 30 returned"),
            std::string::npos)
      << scan.err;
  // Without --progress, a non-terminal gets nothing; --max-items stops early.
  const CliRun quiet = run("scan " + common_ + " --max-items 5");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_TRUE(quiet.err.empty()) << quiet.err;
  EXPECT_EQ(lines_of(quiet.out).size(), 5u);

  // A parallel scan: the two segments together hold every item once.
  std::multiset<std::string> segments;
  for (int segment : {0, 1}) {
    const CliRun part = run("scan " + common_ + " --total-segments 2 --segment " +
                            std::to_string(segment));
    ASSERT_EQ(part.exit_code, 0) << part.err;
    for (const std::string& line : lines_of(part.out)) {
      segments.insert(parse_item_json(line).at("ssn").as_s());
    }
  }
  EXPECT_EQ(segments.size(), 30u);
  EXPECT_EQ(std::set<std::string>(segments.begin(), segments.end()), ssns);
  EXPECT_EQ(run("scan " + common_ + " --segment 1").exit_code, 3);

  // delete keys from stdin; the endpoint from AWS_ENDPOINT_URL this time.
  std::string keys;
  for (int i = 20; i < 30; ++i) keys += to_json(fixture_key("b", i)) + "\n";
  std::string without_endpoint = common_;
  without_endpoint.replace(without_endpoint.find(" --endpoint-url"),
                           std::string(" --endpoint-url ").size() + dynamodb_endpoint()->size(),
                           "");
  const CliRun del = run("delete " + without_endpoint, keys,
                         "AWS_ENDPOINT_URL=" + *dynamodb_endpoint());
  ASSERT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(stored_items().size(), 20u);
}

TEST_F(CliTable, NativeInputConditionsAndErrors) {
  const CliRun put = run("put " + common_ + " --native --condition 'attribute_not_exists(pk)'",
                         R"({"pk":"n","sk":1,"ssn":"SSN-SECRET-n","email":"n@example.com"})"
                         "\n");
  ASSERT_EQ(put.exit_code, 0) << put.err;
  EXPECT_FALSE(contains_secret_text(stored_items().at(0)));
  const CliRun again = run("put " + common_ + " --native --condition 'attribute_not_exists(pk)'",
                           R"({"pk":"n","sk":1,"ssn":"SSN-SECRET-other"})"
                           "\n");
  EXPECT_EQ(again.exit_code, 8);
  EXPECT_NE(again.err.find("ConditionalCheckFailedException"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("line 1"), std::string::npos) << again.err;
  EXPECT_EQ(again.err.find("SECRET"), std::string::npos) << again.err;

  const CliRun get = run("get " + common_ + " --native", R"({"pk":"n","sk":1})"
                                                         "\n");
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(parse_native_json_item(get.out),
            parse_native_json_item(R"({"pk":"n","sk":1,"ssn":"SSN-SECRET-n","email":"n@example.com"})"));

  // Wrong keys: the item cannot be decrypted.
  ASSERT_EQ(run("keygen --kind wrapped-aes --out '" + path("other.json") + "'").exit_code, 0);
  std::string other = common_;
  other.replace(other.find(path("keys.json")), path("keys.json").size(), path("other.json"));
  const CliRun wrong = run("get " + other, to_json(fixture_key("n", 1)) + "\n");
  EXPECT_EQ(wrong.exit_code, 6) << wrong.err;  // the content key does not unwrap
  EXPECT_TRUE(wrong.out.empty());

  // Malformed input names the line.
  const CliRun bad = run("put " + common_, "{\"pk\":{\"S\":\"x\"}\n");
  EXPECT_EQ(bad.exit_code, 4);
  EXPECT_NE(bad.err.find("line 1"), std::string::npos) << bad.err;
}

TEST_F(CliTable, KmsBackedMaterials) {
  const std::string meta = unique_name("climeta");
  (void)DynamoDbMetaStore::create_table(
      *raw_, meta, {.wait = aws::TableWaitOptions{.poll_interval = std::chrono::milliseconds(100)}});
  const std::string kms = R"({"provider":"aws-kms","key_id":")" + moto_key_arn() + R"("})";
  std::ofstream(path("kms.json")) << kms;
  std::ofstream(path("recent.json")) << R"({"provider":"most-recent","meta_table":")" << meta
                                     << R"(","material_name":"cli","meta_materials":)" << kms
                                     << "}";
  const std::string env = "AWS_ENDPOINT_URL_KMS=" + *kms_endpoint();
  int round = 0;
  for (const char* file : {"kms.json", "recent.json"}) {
    SCOPED_TRACE(file);
    std::string args = common_;
    args.replace(args.find(path("keys.json")), path("keys.json").size(), path(file));
    const std::string pk = "kms" + std::to_string(round++);
    std::string input;
    for (int i = 0; i < 5; ++i) input += to_json(fixture_row(pk, i)) + "\n";
    const CliRun put = run("put " + args, input, env);
    ASSERT_EQ(put.exit_code, 0) << put.err;
    const CliRun query = run("query " + args + " --key-condition 'pk = :p' --values '{\":p\":{\"S\":\"" +
                                 pk + "\"}}'",
                             "", env);
    ASSERT_EQ(query.exit_code, 0) << query.err;
    const std::vector<std::string> got = lines_of(query.out);
    ASSERT_EQ(got.size(), 5u);
    for (const std::string& line : got) {
      const Item item = parse_item_json(line);
      EXPECT_TRUE(equivalent(item, fixture_row(pk, static_cast<int>(item.at("sk").as_int64()))));
    }
  }
  for (const Item& item : stored_items()) EXPECT_FALSE(contains_secret_text(item));
  // The most-recent provider made version 0 of its material in the meta table.
  EXPECT_TRUE(raw_->get_item({.table_name = meta,
                              .key = {{"N", AttributeValue::S("cli")}, {"V", AttributeValue::N(0)}},
                              .consistent_read = true})
                  .item);
  (void)raw_->delete_table({.table_name = meta});
}

}  // namespace
}  // namespace ddbcrypt::testing
