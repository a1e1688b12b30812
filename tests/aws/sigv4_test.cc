#include "aws/sigv4.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

namespace fs = std::filesystem;

// The fixed inputs of both suites (tests/vectors/sigv4/README.md).
constexpr std::string_view kAccessKeyId = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kRegion = "us-east-1";
constexpr std::string_view kService = "service";

fs::path vectors_dir() { return fs::path(DDBCRYPT_VECTORS_DIR) / "sigv4"; }
fs::path v4_dir() { return vectors_dir() / "aws-signing-test-suite" / "v4"; }
fs::path classic_dir() { return vectors_dir() / "aws-sig-v4-test-suite"; }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

aws::Credentials make_credentials(std::string_view access_key_id, std::string_view secret,
                                  std::optional<std::string> token = std::nullopt) {
  return aws::Credentials(std::string(access_key_id), SecretBytes::copy_of(as_bytes(secret)),
                          std::move(token));
}

std::chrono::system_clock::time_point utc(int year, unsigned month, unsigned day, int hour,
                                          int minute, int second) {
  return std::chrono::sys_days(std::chrono::year(year) / std::chrono::month(month) /
                               std::chrono::day(day)) +
         std::chrono::hours(hour) + std::chrono::minutes(minute) + std::chrono::seconds(second);
}

// "2015-08-30T12:36:00Z" (context.json) or "20150830T123600Z" (an X-Amz-Date header).
std::chrono::system_clock::time_point parse_time(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char zone = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &year, &month, &day, &hour, &minute,
                  &second, &zone) != 7 &&
      std::sscanf(text.c_str(), "%4d%2d%2dT%2d%2d%2d%c", &year, &month, &day, &hour, &minute,
                  &second, &zone) != 7) {
    throw std::runtime_error("unreadable time " + text);
  }
  if (zone != 'Z') throw std::runtime_error("time is not UTC: " + text);
  return utc(year, static_cast<unsigned>(month), static_cast<unsigned>(day), hour, minute,
             second);
}

// First value of a header, any case.
std::optional<std::string> find_header(const aws::HttpHeaders& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() &&
        std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return std::nullopt;
}

std::size_t count_header(const aws::HttpHeaders& headers, std::string_view name) {
  std::size_t count = 0;
  for (const auto& header : headers) {
    if (find_header({header}, name)) ++count;
  }
  return count;
}

// (lower-case name, value) pairs, sorted: the headers as a server sees them, ignoring order.
std::vector<std::pair<std::string, std::string>> header_set(const aws::HttpHeaders& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.emplace_back(lower, value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A raw HTTP/1.1 request as the suites write it: the request line may hold raw spaces and
// UTF-8, header lines are "Name:value", a line starting with whitespace continues the previous
// value (kept as the obsolete fold it is on the wire, for the signer to unfold), and the body
// follows the first blank line, which may be missing.
aws::HttpRequest parse_raw_request(std::string_view text) {
  std::size_t pos = 0;
  const auto read_line = [&](std::string_view& line) {
    if (pos >= text.size()) return false;
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    line = text.substr(pos, end - pos);
    if (line.ends_with('\r')) line.remove_suffix(1);
    pos = std::min(end + 1, text.size());
    return true;
  };
  std::string_view line;
  if (!read_line(line)) throw std::runtime_error("empty request file");
  const std::size_t method_end = line.find(' ');
  const std::size_t version = line.rfind(" HTTP/");
  if (method_end == std::string_view::npos || version == std::string_view::npos ||
      version <= method_end) {
    throw std::runtime_error("bad request line: " + std::string(line));
  }
  aws::HttpRequest request;
  request.method = std::string(line.substr(0, method_end));
  const std::string target(line.substr(method_end + 1, version - method_end - 1));
  bool has_body = false;
  while (read_line(line)) {
    if (line.empty()) {
      has_body = true;
      break;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (request.headers.empty()) throw std::runtime_error("continuation before any header");
      request.headers.back().second += "\r\n";
      request.headers.back().second += line;
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      throw std::runtime_error("bad header line: " + std::string(line));
    }
    request.headers.emplace_back(std::string(line.substr(0, colon)),
                                 std::string(line.substr(colon + 1)));
  }
  if (has_body) request.body = std::string(text.substr(pos));
  const std::optional<std::string> host = find_header(request.headers, "host");
  if (!host) throw std::runtime_error("request has no Host header");
  request.url = "https://" + *host + target;
  return request;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find('\n', start);
    lines.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return lines;
    start = end + 1;
  }
}

std::string test_name(std::string name) {
  for (char& c : name) {
    if (c == '-' || c == '/') c = '_';
  }
  return name;
}

// ---------------------------------------------------------------------------------------------
// Layout A: aws-c-auth's aws-signing-test-suite, the 38 SigV4 header-signing cases.

const std::vector<std::string>& v4_case_names() {
  static const std::vector<std::string> kNames = {
      // normalize: true
      "get-header-key-duplicate", "get-header-value-multiline", "get-header-value-order",
      "get-header-value-trim", "get-relative-normalized", "get-relative-relative-normalized",
      "get-slash-dot-slash-normalized", "get-slash-normalized",
      "get-slash-pointless-dot-normalized", "get-slashes-normalized", "get-space-normalized",
      "get-unreserved", "get-utf8", "get-vanilla", "get-vanilla-empty-query-key",
      "get-vanilla-query", "get-vanilla-query-order-encoded", "get-vanilla-query-order-key-case",
      "get-vanilla-query-unreserved", "get-vanilla-utf8-query", "get-vanilla-with-session-token",
      "post-header-key-case", "post-header-key-sort", "post-header-value-case",
      "post-sts-header-before", "post-sts-header-after", "post-vanilla",
      "post-vanilla-empty-query-value", "post-vanilla-query", "post-x-www-form-urlencoded",
      "post-x-www-form-urlencoded-parameters",
      // normalize: false (S3-style paths)
      "get-relative-unnormalized", "get-relative-relative-unnormalized", "get-slash-unnormalized",
      "get-slash-dot-slash-unnormalized", "get-slash-pointless-dot-unnormalized",
      "get-slashes-unnormalized", "get-space-unnormalized"};
  return kNames;
}

TEST(SigV4SigningTestSuite, ListsAll38HeaderCases) {
  std::vector<std::string> names = v4_case_names();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << "duplicate name";
  EXPECT_EQ(names.size(), 38u);
}

class SigV4SigningTestSuiteCase : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4SigningTestSuiteCase, MatchesHeaderSigningVectors) {
  const fs::path dir = v4_dir() / GetParam();
  ASSERT_TRUE(fs::is_directory(dir)) << "missing case directory " << dir;

  simdjson::dom::parser parser;
  const simdjson::padded_string json(read_file(dir / "context.json"));
  const simdjson::dom::element context = parser.parse(json);
  const simdjson::dom::element creds = context["credentials"];
  std::optional<std::string> token;
  std::string_view token_text;
  if (creds["token"].get(token_text) == simdjson::SUCCESS) token = std::string(token_text);
  const aws::Credentials credentials =
      make_credentials(std::string_view(creds["access_key_id"]),
                       std::string_view(creds["secret_access_key"]), token);
  SigV4Params params{
      .region = std::string(std::string_view(context["region"])),
      .service = std::string(std::string_view(context["service"])),
      .time = parse_time(std::string(std::string_view(context["timestamp"]))),
      .normalize_path = context["normalize"].get_bool().value(),
      .sign_body = context["sign_body"].get_bool().value(),
  };
  bool omit_session_token = false;
  if (context["omit_session_token"].get(omit_session_token) == simdjson::SUCCESS) {
    params.omit_session_token = omit_session_token;
  }

  aws::HttpRequest request = parse_raw_request(read_file(dir / "request.txt"));
  const std::string body = request.body;
  const SigV4Signer signer;
  const SigV4Signature signature = signer.sign(request, credentials, params);

  EXPECT_EQ(signature.canonical_request, read_file(dir / "header-canonical-request.txt"));
  EXPECT_EQ(signature.string_to_sign, read_file(dir / "header-string-to-sign.txt"));
  EXPECT_EQ(signature.signature, read_file(dir / "header-signature.txt"));

  const aws::HttpRequest expected = parse_raw_request(read_file(dir / "header-signed-request.txt"));
  const std::optional<std::string> expected_authorization =
      find_header(expected.headers, "Authorization");
  ASSERT_TRUE(expected_authorization.has_value());
  EXPECT_EQ(signature.authorization, *expected_authorization);
  // The request itself: the same headers as the signed request of the vector (X-Amz-Date, the
  // token even when it is not signed, x-amz-content-sha256, Authorization), body untouched.
  EXPECT_EQ(header_set(request.headers), header_set(expected.headers));
  EXPECT_EQ(request.body, body);
}

INSTANTIATE_TEST_SUITE_P(SigV4SigningTestSuite, SigV4SigningTestSuiteCase,
                         ::testing::ValuesIn(v4_case_names()),
                         [](const auto& test_info) { return test_name(test_info.param); });

// ---------------------------------------------------------------------------------------------
// Layout B: the classic 2015 suite as botocore vendors it, found by walking the directory.

std::vector<std::string> classic_case_paths() {
  std::vector<std::string> cases;
  std::error_code error;
  for (fs::recursive_directory_iterator it(classic_dir(), error), end; !error && it != end;
       it.increment(error)) {
    const fs::path& path = it->path();
    if (it->is_regular_file() && path.extension() == ".req" &&
        path.stem() == path.parent_path().filename()) {
      cases.push_back(fs::relative(path.parent_path(), classic_dir()).generic_string());
    }
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

TEST(SigV4ClassicTestSuite, WalkFindsExactly34Cases) {
  const std::vector<std::string> cases = classic_case_paths();
  EXPECT_EQ(cases.size(), 34u);
  // The two nested groups are part of the walk.
  EXPECT_NE(std::find(cases.begin(), cases.end(), "normalize-path/get-space"), cases.end());
  EXPECT_NE(std::find(cases.begin(), cases.end(), "post-sts-token/post-sts-header-after"),
            cases.end());
}

class SigV4ClassicTestSuiteCase : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4ClassicTestSuiteCase, MatchesCreqStsAuthz) {
  const fs::path dir = classic_dir() / GetParam();
  const std::string name = dir.filename().string();
  const auto file = [&](std::string_view extension) {
    return read_file(dir / (name + std::string(extension)));
  };
  aws::HttpRequest request = parse_raw_request(file(".req"));
  const std::string creq = file(".creq");

  // The .req files already carry X-Amz-Date; the signer replaces it with one made from the
  // same instant.
  const std::optional<std::string> date = find_header(request.headers, "X-Amz-Date");
  ASSERT_TRUE(date.has_value());
  SigV4Params params{.region = std::string(kRegion),
                     .service = std::string(kService),
                     .time = parse_time(*date)};

  // Where the session token comes from (README): the canonical request's token line, as
  // botocore reads it; for post-sts-header-after, which adds the token after signing, the
  // signed request's header, sent but left out of the signature.
  std::optional<std::string> token;
  for (const std::string& line : split_lines(creq)) {
    constexpr std::string_view kTokenLine = "x-amz-security-token:";
    if (line.starts_with(kTokenLine)) token = line.substr(kTokenLine.size());
  }
  if (!token && fs::exists(dir / (name + ".sreq"))) {
    token = find_header(parse_raw_request(file(".sreq")).headers, "X-Amz-Security-Token");
    params.omit_session_token = token.has_value();
  }

  const SigV4Signer signer;
  const SigV4Signature signature =
      signer.sign(request, make_credentials(kAccessKeyId, kSecret, token), params);
  EXPECT_EQ(signature.canonical_request, creq);
  EXPECT_EQ(signature.string_to_sign, file(".sts"));
  EXPECT_EQ(signature.authorization, file(".authz"));
  EXPECT_EQ(find_header(request.headers, "Authorization"), file(".authz"));
  EXPECT_EQ(count_header(request.headers, "X-Amz-Date"), 1u);
  EXPECT_EQ(find_header(request.headers, "X-Amz-Security-Token"), token);
}

INSTANTIATE_TEST_SUITE_P(SigV4ClassicTestSuite, SigV4ClassicTestSuiteCase,
                         ::testing::ValuesIn(classic_case_paths()),
                         [](const auto& test_info) { return test_name(test_info.param); });

// ---------------------------------------------------------------------------------------------
// spec/aws-wire.md §1.5 and §1.7.

TEST(SigV4SigningKey, MatchesPublishedSelfCheckValue) {
  const SecretBytes key = derive_sigv4_signing_key(SecretBytes::copy_of(as_bytes(kSecret)),
                                                   "20150830", kRegion, kService);
  EXPECT_EQ(hex_encode(key.expose_secret()),
            "938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75");
}

constexpr std::string_view kGetItemBody =
    R"({"TableName":"Music","Key":{"Artist":{"S":"No One You Know"},)"
    R"("SongTitle":{"S":"Call Me Today"}}})";

std::chrono::system_clock::time_point example_time() { return utc(2015, 8, 30, 12, 36, 0); }

aws::HttpRequest get_item_request(std::string url) {
  return aws::HttpRequest{
      .method = "POST",
      .url = std::move(url),
      .headers = {{"Content-Type", "application/x-amz-json-1.0"},
                  {"X-Amz-Target", "DynamoDB_20120810.GetItem"}},
      .body = std::string(kGetItemBody),
  };
}

SigV4Params dynamodb_params(std::chrono::system_clock::time_point time = example_time()) {
  return SigV4Params{.region = "us-east-1", .service = "dynamodb", .time = time};
}

TEST(SigV4JsonProtocol, DynamoDbGetItemExampleA) {
  aws::HttpRequest request = get_item_request("https://dynamodb.us-east-1.amazonaws.com/");
  const SigV4Signature signature =
      SigV4Signer().sign(request, make_credentials(kAccessKeyId, kSecret), dynamodb_params());
  EXPECT_EQ(signature.canonical_request,
            "POST\n"
            "/\n"
            "\n"
            "content-type:application/x-amz-json-1.0\n"
            "host:dynamodb.us-east-1.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n"
            "x-amz-target:DynamoDB_20120810.GetItem\n"
            "\n"
            "content-type;host;x-amz-date;x-amz-target\n"
            "54ca31bd69dcf886cd9206d68f4be0edc64754241ff1d21b9b4ff58ac96bb753");
  EXPECT_EQ(split_lines(signature.string_to_sign).back(),
            "f9366e3b64b5458b492bed13f4873132cdc8438b25cb2fd44d0bba1d63059d27");
  EXPECT_EQ(signature.signature,
            "463732aacece127197b4e36c81ef1945f862302719acf0aa10fcd482dc2439b2");
  EXPECT_EQ(find_header(request.headers, "Host"), "dynamodb.us-east-1.amazonaws.com");
}

TEST(SigV4JsonProtocol, DynamoDbGetItemOnLocalPortExampleB) {
  aws::HttpRequest request = get_item_request("http://127.0.0.1:8000/");
  const SigV4Signature signature =
      SigV4Signer().sign(request, make_credentials(kAccessKeyId, kSecret), dynamodb_params());
  EXPECT_EQ(signature.canonical_request,
            "POST\n"
            "/\n"
            "\n"
            "content-type:application/x-amz-json-1.0\n"
            "host:127.0.0.1:8000\n"
            "x-amz-date:20150830T123600Z\n"
            "x-amz-target:DynamoDB_20120810.GetItem\n"
            "\n"
            "content-type;host;x-amz-date;x-amz-target\n"
            "54ca31bd69dcf886cd9206d68f4be0edc64754241ff1d21b9b4ff58ac96bb753");
  EXPECT_EQ(signature.signature,
            "41932507799edf4bada8a9acc2a0ee0298c464e72c2ce41ea40de32f9ae34703");
  EXPECT_EQ(find_header(request.headers, "Host"), "127.0.0.1:8000");
}

TEST(SigV4JsonProtocol, KmsDescribeKeyWithSessionTokenExampleC) {
  aws::HttpRequest request{
      .method = "POST",
      .url = "https://kms.eu-west-1.amazonaws.com/",
      .headers = {{"Content-Type", "application/x-amz-json-1.1"},
                  {"X-Amz-Target", "TrentService.DescribeKey"}},
      .body = R"({"KeyId":"alias/example"})",
  };
  const SigV4Signature signature = SigV4Signer().sign(
      request, make_credentials(kAccessKeyId, kSecret, "AQoDYXdzEXAMPLEtoken"),
      SigV4Params{.region = "eu-west-1", .service = "kms", .time = example_time()});
  EXPECT_EQ(signature.canonical_request,
            "POST\n"
            "/\n"
            "\n"
            "content-type:application/x-amz-json-1.1\n"
            "host:kms.eu-west-1.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n"
            "x-amz-security-token:AQoDYXdzEXAMPLEtoken\n"
            "x-amz-target:TrentService.DescribeKey\n"
            "\n"
            "content-type;host;x-amz-date;x-amz-security-token;x-amz-target\n"
            "7ae86c855cf0cb191378c0162a63c1e230d18a3e8e8d482367fba2874a05f9e0");
  EXPECT_EQ(signature.signature,
            "d00d75183faf5c313e54b5fde1b672ff576f93124bb7da397f006745f5d17f5b");
  EXPECT_EQ(find_header(request.headers, "X-Amz-Security-Token"), "AQoDYXdzEXAMPLEtoken");
}

// ---------------------------------------------------------------------------------------------
// Behaviour beyond the vectors.

TEST(SigV4AmzDate, FormatsUtcSecondsAndDropsFractions) {
  EXPECT_EQ(amz_date(example_time()), "20150830T123600Z");
  EXPECT_EQ(amz_date(example_time() + std::chrono::milliseconds(999)), "20150830T123600Z");
  EXPECT_EQ(amz_date(std::chrono::system_clock::time_point()), "19700101T000000Z");
  EXPECT_EQ(amz_date(utc(2024, 2, 29, 23, 59, 59)), "20240229T235959Z");
  EXPECT_EQ(amz_date(utc(2024, 2, 29, 23, 59, 59) + std::chrono::seconds(1)), "20240301T000000Z");
}

TEST(SigV4Signer, ResigningReplacesTheHeadersOfTheEarlierAttempt) {
  const aws::Credentials credentials = make_credentials(kAccessKeyId, kSecret, "token-1");
  const aws::HttpRequest original = get_item_request("https://dynamodb.us-east-1.amazonaws.com/");
  const SigV4Signer signer;
  aws::HttpRequest request = original;
  const SigV4Signature first = signer.sign(request, credentials, dynamodb_params());
  const auto later = example_time() + std::chrono::minutes(5);
  const SigV4Signature second = signer.sign(request, credentials, dynamodb_params(later));

  for (const std::string_view name : {"Authorization", "X-Amz-Date", "X-Amz-Security-Token",
                                      "Host", "Content-Type", "X-Amz-Target"}) {
    EXPECT_EQ(count_header(request.headers, name), 1u) << name;
  }
  EXPECT_EQ(find_header(request.headers, "X-Amz-Date"), amz_date(later));
  EXPECT_EQ(find_header(request.headers, "Authorization"), second.authorization);
  EXPECT_NE(first.signature, second.signature);

  // Exactly what a first attempt at the later time gives.
  aws::HttpRequest fresh = original;
  const SigV4Signature expected = signer.sign(fresh, credentials, dynamodb_params(later));
  EXPECT_EQ(second.canonical_request, expected.canonical_request);
  EXPECT_EQ(second.signature, expected.signature);
  EXPECT_EQ(request.headers, fresh.headers);
}

TEST(SigV4Signer, ResigningRemovesStaleHeadersWhateverTheirCase) {
  const aws::Credentials credentials = make_credentials(kAccessKeyId, kSecret);  // no token
  const aws::HttpRequest clean = get_item_request("https://dynamodb.us-east-1.amazonaws.com/");
  aws::HttpRequest request = clean;
  request.headers.emplace_back("authorization", "AWS4-HMAC-SHA256 stale");
  request.headers.emplace_back("x-amz-date", "19990101T000000Z");
  request.headers.emplace_back("X-AMZ-SECURITY-TOKEN", "expired-token");
  request.headers.emplace_back("X-Amz-Content-Sha256", "stale");
  const SigV4Signer signer;
  const SigV4Signature signature = signer.sign(request, credentials, dynamodb_params());

  EXPECT_EQ(count_header(request.headers, "Authorization"), 1u);
  EXPECT_EQ(count_header(request.headers, "X-Amz-Date"), 1u);
  EXPECT_EQ(count_header(request.headers, "X-Amz-Security-Token"), 0u);
  EXPECT_EQ(count_header(request.headers, "X-Amz-Content-Sha256"), 0u);
  aws::HttpRequest fresh = clean;
  EXPECT_EQ(signature.signature, signer.sign(fresh, credentials, dynamodb_params()).signature);
}

TEST(SigV4Signer, SignsTheSessionTokenUnlessAskedNotTo) {
  constexpr std::string_view kToken = "AQoDYXdzEXAMPLEtoken";
  const SigV4Signer signer;
  aws::HttpRequest with_token = get_item_request("https://dynamodb.us-east-1.amazonaws.com/");
  const SigV4Signature signed_token = signer.sign(
      with_token, make_credentials(kAccessKeyId, kSecret, std::string(kToken)), dynamodb_params());
  EXPECT_NE(signed_token.canonical_request.find("\nx-amz-security-token:" + std::string(kToken) +
                                                "\n"),
            std::string::npos);
  EXPECT_NE(signed_token.authorization.find(
                "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"),
            std::string::npos);
  EXPECT_EQ(find_header(with_token.headers, "X-Amz-Security-Token"), kToken);

  aws::HttpRequest omitted = get_item_request("https://dynamodb.us-east-1.amazonaws.com/");
  SigV4Params params = dynamodb_params();
  params.omit_session_token = true;
  const SigV4Signature unsigned_token = signer.sign(
      omitted, make_credentials(kAccessKeyId, kSecret, std::string(kToken)), params);
  EXPECT_EQ(unsigned_token.canonical_request.find("x-amz-security-token"), std::string::npos);
  EXPECT_EQ(find_header(omitted.headers, "X-Amz-Security-Token"), kToken);

  aws::HttpRequest no_token = get_item_request("https://dynamodb.us-east-1.amazonaws.com/");
  const SigV4Signature without =
      signer.sign(no_token, make_credentials(kAccessKeyId, kSecret), dynamodb_params());
  EXPECT_EQ(unsigned_token.signature, without.signature);
  EXPECT_NE(signed_token.signature, without.signature);
}

TEST(SigV4Signer, ConcurrentSigningGivesTheSameResultsAsSerialSigning) {
  // More (secret, region) pairs than the key cache holds, so threads also race on eviction.
  const std::vector<std::string> regions = {
      "us-east-1", "us-east-2",  "us-west-1",    "us-west-2",  "eu-west-1",      "eu-west-2",
      "eu-west-3", "eu-north-1", "eu-central-1", "ap-south-1", "ap-northeast-1", "sa-east-1"};
  const std::vector<std::string> secrets = {std::string(kSecret), "another/secret+KEY0123456789"};
  struct Case {
    std::size_t secret;
    std::string region;
    std::string authorization;
  };
  std::vector<Case> cases;
  for (std::size_t s = 0; s < secrets.size(); ++s) {
    for (const std::string& region : regions) {
      aws::HttpRequest request = get_item_request("https://dynamodb." + region + ".amazonaws.com/");
      SigV4Params params = dynamodb_params();
      params.region = region;
      cases.push_back({s, region,
                       SigV4Signer()
                           .sign(request, make_credentials(kAccessKeyId, secrets[s]), params)
                           .authorization});
    }
  }

  const SigV4Signer shared;
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = 0; i < 150; ++i) {
        const Case& c = cases[(t * 7 + i * 5) % cases.size()];
        aws::HttpRequest request =
            get_item_request("https://dynamodb." + c.region + ".amazonaws.com/");
        SigV4Params params = dynamodb_params();
        params.region = c.region;
        const SigV4Signature signature =
            shared.sign(request, make_credentials(kAccessKeyId, secrets[c.secret]), params);
        if (signature.authorization != c.authorization) ++mismatches;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(SigV4Signer, SecretNeverAppearsInWhatItProduces) {
  aws::HttpRequest request = get_item_request("https://dynamodb.us-east-1.amazonaws.com/");
  const SigV4Signature signature = SigV4Signer().sign(
      request, make_credentials(kAccessKeyId, kSecret, "token"), dynamodb_params());
  for (const std::string* text : {&signature.canonical_request, &signature.string_to_sign,
                                  &signature.signature, &signature.authorization}) {
    EXPECT_EQ(text->find(kSecret), std::string::npos);
  }
  for (const auto& [name, value] : request.headers) {
    EXPECT_EQ(name.find(kSecret), std::string::npos);
    EXPECT_EQ(value.find(kSecret), std::string::npos) << name;
  }
  // Nor does the derived signing key.
  const SecretBytes key = derive_sigv4_signing_key(SecretBytes::copy_of(as_bytes(kSecret)),
                                                   "20150830", "us-east-1", "dynamodb");
  EXPECT_EQ(signature.authorization.find(hex_encode(key.expose_secret())), std::string::npos);
}

struct HostCase {
  std::string url;
  std::string host;
};

void PrintTo(const HostCase& host_case, std::ostream* out) { *out << host_case.url; }

class SigV4HostHeader : public ::testing::TestWithParam<HostCase> {};

TEST_P(SigV4HostHeader, AddsTheAuthorityWithoutTheSchemeDefaultPort) {
  aws::HttpRequest request = get_item_request(GetParam().url);
  const SigV4Signature signature =
      SigV4Signer().sign(request, make_credentials(kAccessKeyId, kSecret), dynamodb_params());
  EXPECT_EQ(find_header(request.headers, "Host"), GetParam().host);
  EXPECT_NE(signature.canonical_request.find("\nhost:" + GetParam().host + "\n"),
            std::string::npos);
  EXPECT_EQ(split_lines(signature.canonical_request)[1], "/");
}

INSTANTIATE_TEST_SUITE_P(
    SigV4HostHeader, SigV4HostHeader,
    ::testing::Values(HostCase{"https://example.com/", "example.com"},
                      HostCase{"https://example.com", "example.com"},
                      HostCase{"https://example.com:443/", "example.com"},
                      HostCase{"http://example.com:80/", "example.com"},
                      HostCase{"HTTP://example.com:80/", "example.com"},
                      HostCase{"http://127.0.0.1:5055/", "127.0.0.1:5055"},
                      HostCase{"https://example.com:80/", "example.com:80"},
                      HostCase{"http://example.com:443/", "example.com:443"},
                      HostCase{"http://[::1]:8000/", "[::1]:8000"},
                      HostCase{"https://[::1]/", "[::1]"}));

TEST(SigV4Signer, KeepsTheCallersHostHeader) {
  aws::HttpRequest request = get_item_request("http://127.0.0.1:8000/");
  request.headers.emplace_back("host", "dynamodb.us-east-1.amazonaws.com");
  const SigV4Signature signature =
      SigV4Signer().sign(request, make_credentials(kAccessKeyId, kSecret), dynamodb_params());
  EXPECT_EQ(count_header(request.headers, "Host"), 1u);
  EXPECT_NE(signature.canonical_request.find("\nhost:dynamodb.us-east-1.amazonaws.com\n"),
            std::string::npos);
}

TEST(SigV4Signer, LeavesHopByHopAndMutableHeadersUnsigned) {
  aws::HttpRequest request = get_item_request("https://dynamodb.us-east-1.amazonaws.com/");
  const aws::HttpHeaders extra = {{"User-Agent", "ddbcrypt"},
                                  {"X-Amzn-Trace-Id", "Root=1-5759e988"},
                                  {"Connection", "keep-alive"},
                                  {"Keep-Alive", "timeout=5"},
                                  {"Expect", "100-continue"},
                                  {"TE", "trailers"},
                                  {"Trailer", "x-amz-checksum-crc32"},
                                  {"Transfer-Encoding", "chunked"},
                                  {"Upgrade", "h2c"},
                                  {"Proxy-Authorization", "Basic abc"},
                                  {"amz-sdk-invocation-id", "5f6a"},
                                  {"amz-sdk-request", "attempt=1; max=3"},
                                  {"X-Amz-Meta-Thing", "  signed   too "},
                                  {"Content-Length", "96"}};
  request.headers.insert(request.headers.end(), extra.begin(), extra.end());
  const SigV4Signature signature =
      SigV4Signer().sign(request, make_credentials(kAccessKeyId, kSecret), dynamodb_params());
  EXPECT_NE(signature.authorization.find("SignedHeaders=content-length;content-type;host;"
                                         "x-amz-date;x-amz-meta-thing;x-amz-target,"),
            std::string::npos)
      << signature.authorization;
  EXPECT_NE(signature.canonical_request.find("\nx-amz-meta-thing:signed too\n"),
            std::string::npos);
  for (const auto& [name, value] : extra) {
    EXPECT_EQ(find_header(request.headers, name), value) << name << " must still be sent";
  }
}

TEST(SigV4Signer, EncodesTheWirePathAgainExceptForS3) {
  // §1.3: for non-S3 services "%20 becomes %2520"; S3 encodes the path once.
  aws::HttpRequest request = get_item_request("https://example.amazonaws.com/example%20space/");
  SigV4Params params = dynamodb_params();
  const SigV4Signer signer;
  aws::HttpRequest copy = request;
  EXPECT_EQ(split_lines(signer.sign(copy, make_credentials(kAccessKeyId, kSecret), params)
                            .canonical_request)[1],
            "/example%2520space/");
  params.normalize_path = false;
  copy = request;
  EXPECT_EQ(split_lines(signer.sign(copy, make_credentials(kAccessKeyId, kSecret), params)
                            .canonical_request)[1],
            "/example%20space/");
}

TEST(SigV4Signer, CanonicalQueryDecodesThenStrictlyReencodes) {
  const SigV4Signer signer;
  const auto query_line = [&](std::string query) {
    aws::HttpRequest request = get_item_request("https://example.amazonaws.com/?" + query);
    return split_lines(signer.sign(request, make_credentials(kAccessKeyId, kSecret),
                                   dynamodb_params())
                           .canonical_request)[2];
  };
  // '=' and '&' inside names and values are escaped; pairs sort by name, then value.
  EXPECT_EQ(query_line("b=x%3Dy&a=1%262&a=0"), "a=0&a=1%262&b=x%3Dy");
  // A missing '=' is an empty value.
  EXPECT_EQ(query_line("Param1"), "Param1=");
  // Escapes of unreserved characters are decoded; a space is %20, never '+'.
  EXPECT_EQ(query_line("k=%7e%41&s=a%20b"), "k=~A&s=a%20b");
}

TEST(SigV4Signer, RejectsUnusableRequestsAndLeavesThemUnchanged) {
  const SigV4Signer signer;
  const aws::Credentials credentials = make_credentials(kAccessKeyId, kSecret);
  for (const std::string url : {"example.com/", "ftp://example.com/", "https:///path",
                                "https://user:pw@example.com/", "https://example.com:port/"}) {
    aws::HttpRequest request = get_item_request(url);
    const aws::HttpRequest before = request;
    EXPECT_THROW(signer.sign(request, credentials, dynamodb_params()), ConfigError) << url;
    EXPECT_EQ(request.headers, before.headers) << url;
  }
  aws::HttpRequest request = get_item_request("https://dynamodb.us-east-1.amazonaws.com/");
  request.method = "post";
  EXPECT_THROW(signer.sign(request, credentials, dynamodb_params()), ConfigError);
  request.method = "POST";
  SigV4Params no_region = dynamodb_params();
  no_region.region.clear();
  EXPECT_THROW(signer.sign(request, credentials, no_region), ConfigError);
  request.headers.emplace_back("", "value");
  const aws::HttpHeaders before = request.headers;
  EXPECT_THROW(signer.sign(request, credentials, dynamodb_params()), ConfigError);
  EXPECT_EQ(request.headers, before);
}

}  // namespace
}  // namespace ddbcrypt::internal
