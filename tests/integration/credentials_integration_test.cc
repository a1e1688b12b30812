// The network credential sources (spec/aws-wire.md §7.5, §7.7, §7.8) over the real libcurl
// transport: web identity and instance metadata against moto server, and the paths moto does
// not serve (IMDSv1 fallback, container credentials, refresh) against testing::LocalHttpServer.
// Every address is on 127.0.0.1; instance metadata is disabled unless a test points it at a
// local server, so nothing can reach 169.254.169.254.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "aws/credentials_providers.h"
#include "ddbcrypt/aws/credentials.h"
#include "ddbcrypt/aws/http.h"
#include "ddbcrypt/error.h"
#include "testing/local_http_server.h"
#include "testing/scoped_environment.h"
#include "testing/standins.h"

namespace ddbcrypt::aws::internal {
namespace {

using namespace std::chrono_literals;
using testing::LocalHttpServer;
using testing::ReceivedRequest;
using testing::ScriptedReply;
using SystemClock = std::chrono::system_clock;

constexpr const char* kRoleArn = "arn:aws:iam::123456789012:role/ddbcrypt-integration";

// Forwards to the real transport and counts the requests, so a test can show that a source
// sent nothing at all.
class CountingTransport final : public HttpTransport {
 public:
  explicit CountingTransport(std::shared_ptr<HttpTransport> inner) : inner_(std::move(inner)) {}
  HttpResponse send(const HttpRequest& request, const HttpOptions& options) const override {
    ++sent_;
    return inner_->send(request, options);
  }
  int sent() const { return sent_.load(); }

 private:
  std::shared_ptr<HttpTransport> inner_;
  mutable std::atomic<int> sent_{0};
};

std::string secret_text(const Credentials& c) {
  const auto bytes = c.secret_access_key().expose_secret();
  return std::string(bytes.begin(), bytes.end());
}

std::string iso8601(SystemClock::time_point t) {
  const std::time_t seconds = SystemClock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string credentials_json(const std::string& key_id, SystemClock::time_point expiration) {
  return R"({"AccessKeyId":")" + key_id + R"(","SecretAccessKey":"secret-)" + key_id +
         R"(","Token":"token-)" + key_id + R"(","Expiration":")" + iso8601(expiration) + R"("})";
}

// moto serves STS and the IMDS paths on one port.
std::string moto_endpoint() {
  if (const char* moto = std::getenv("DDBCRYPT_TEST_MOTO_ENDPOINT"); moto && *moto) return moto;
  return testing::sts_endpoint().value_or("");
}

// An instance metadata service on a LocalHttpServer: `token_status` answers the token PUT
// (200 with "tok-123", or a refusal), and the GETs serve role "role-a" with credentials,
// answering 401 when they carry a token other than the one handed out.
testing::RequestHandler fake_imds(int token_status, std::chrono::milliseconds token_delay = 0ms) {
  return [token_status, token_delay](const ReceivedRequest& r) {
    if (r.method == "PUT" && r.target == "/latest/api/token") {
      return ScriptedReply{.status = token_status,
                           .body = token_status == 200 ? "tok-123" : "",
                           .delay = token_delay};
    }
    const std::string token = r.header("X-aws-ec2-metadata-token");
    if (!token.empty() && token != "tok-123") return ScriptedReply{.status = 401};
    if (r.method == "GET" && r.target == "/latest/meta-data/iam/security-credentials/") {
      return ScriptedReply{.body = "role-a\n"};
    }
    if (r.method == "GET" && r.target == "/latest/meta-data/iam/security-credentials/role-a") {
      return ScriptedReply{.body = credentials_json("IMDSKEY", SystemClock::now() + 6h)};
    }
    return ScriptedReply{.status = 404};
  };
}

// Clears every AWS_ variable and proxy setting (restored afterwards), points HOME and the shared
// files at an empty temporary directory and disables instance metadata.
class CredentialsIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.unset_prefixed("AWS_");
    env_.unset_proxies();
    char pattern[] = "/tmp/ddbcrypt_credentials_it_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    env_.set("HOME", dir_);
    env_.set("AWS_CONFIG_FILE", dir_ + "/config");
    env_.set("AWS_SHARED_CREDENTIALS_FILE", dir_ + "/credentials");
    env_.set("AWS_EC2_METADATA_DISABLED", "true");
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string write_file(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    return path;
  }

  HttpSourceOptions http() const { return HttpSourceOptions{.transport = transport_}; }

  ChainOptions chain() const {
    ChainOptions options;
    options.region = "us-east-1";
    options.http = http();
    return options;
  }

  testing::ScopedEnvironment env_;
  std::string dir_;
  std::shared_ptr<CountingTransport> transport_ =
      std::make_shared<CountingTransport>(make_curl_transport());
};

// ---- web identity ------------------------------------------------------------------------

TEST_F(CredentialsIntegration, WebIdentityAssumesTheRoleThroughMotoSts) {
  DDBCRYPT_REQUIRE_STANDINS();
  env_.set("AWS_WEB_IDENTITY_TOKEN_FILE", write_file("token", "header.payload.signature\n"));
  env_.set("AWS_ROLE_ARN", kRoleArn);
  env_.set("AWS_ROLE_SESSION_NAME", "ddbcrypt-it");
  env_.set("AWS_ENDPOINT_URL_STS", *testing::sts_endpoint());

  const auto provider = make_chain_provider(chain());
  const Credentials first = provider->credentials();
  EXPECT_FALSE(first.access_key_id().empty());
  EXPECT_FALSE(secret_text(first).empty());
  ASSERT_TRUE(first.session_token().has_value());
  EXPECT_FALSE(first.session_token()->empty());
  ASSERT_TRUE(first.expiration().has_value());
  EXPECT_GT(*first.expiration(), SystemClock::now());
  EXPECT_NE(first.source().find("web identity"), std::string::npos) << first.source();
  EXPECT_EQ(transport_->sent(), 1);

  // A rotated token file is read again on the next refresh.
  write_file("token", "rotated.payload.signature\n");
  provider->invalidate();
  const Credentials second = provider->credentials();
  EXPECT_FALSE(second.access_key_id().empty());
  EXPECT_EQ(transport_->sent(), 2);
}

TEST_F(CredentialsIntegration, WebIdentityReportsAnUnreachableStsAfterItsAttempts) {
  LocalHttpServer sts(testing::reply_in_order({ScriptedReply{.drop = true}}));
  WebIdentityConfig config;
  config.token_file = write_file("token", "header.payload.signature");
  config.role_arn = kRoleArn;
  config.sts_endpoint = sts.endpoint();
  config.http = http();
  config.max_attempts = 3;
  config.retry_base_delay = 1ms;
  const auto provider = make_web_identity_provider(std::move(config));
  try {
    (void)provider->credentials();
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(kRoleArn), std::string::npos) << message;
    EXPECT_NE(message.find("no response"), std::string::npos) << message;
    EXPECT_EQ(message.find("header.payload.signature"), std::string::npos) << message;
  }
  EXPECT_EQ(sts.requests().size(), 3u);
  // The form body went out whole each time, token included.
  EXPECT_NE(sts.requests()[0].body.find("WebIdentityToken=header.payload.signature"),
            std::string::npos);
}

// ---- instance metadata -------------------------------------------------------------------

TEST_F(CredentialsIntegration, ImdsV2ServesMotosInstanceRole) {
  DDBCRYPT_REQUIRE_STANDINS();
  env_.unset("AWS_EC2_METADATA_DISABLED");
  env_.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", moto_endpoint());

  const SourceResult result = imds_source(ProfileSection{}, http());
  ASSERT_NE(result.provider, nullptr) << result.skipped_because;
  const Credentials c = result.provider->credentials();
  EXPECT_EQ(c.access_key_id(), "test-key");
  EXPECT_EQ(secret_text(c), "test-secret-key");
  EXPECT_EQ(c.session_token(), "test-session-token");
  ASSERT_TRUE(c.expiration().has_value());
  EXPECT_GT(*c.expiration(), SystemClock::now() + 1h);
  EXPECT_EQ(c.source(), "EC2 instance metadata");
  // Token, role list, role: three requests, and the cached credentials need no more.
  EXPECT_EQ(transport_->sent(), 3);
  (void)result.provider->credentials();
  EXPECT_EQ(transport_->sent(), 3);

  // The whole chain ends at the same source when nothing before it is configured.
  EXPECT_EQ(make_chain_provider(chain())->credentials().source(), "EC2 instance metadata");
}

TEST_F(CredentialsIntegration, ImdsV2SendsTheSessionTokenWithEveryGet) {
  LocalHttpServer imds(fake_imds(200));
  env_.unset("AWS_EC2_METADATA_DISABLED");
  env_.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint());

  const SourceResult result = imds_source(ProfileSection{}, http());
  ASSERT_NE(result.provider, nullptr) << result.skipped_because;
  EXPECT_EQ(result.provider->credentials().access_key_id(), "IMDSKEY");
  const auto requests = imds.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].header("X-aws-ec2-metadata-token-ttl-seconds"), "21600");
  for (const auto& r : requests) EXPECT_EQ(r.header("X-Forwarded-For"), "");
  EXPECT_EQ(requests[1].header("X-aws-ec2-metadata-token"), "tok-123");
  EXPECT_EQ(requests[2].target, "/latest/meta-data/iam/security-credentials/role-a");
  EXPECT_EQ(requests[2].header("X-aws-ec2-metadata-token"), "tok-123");
}

TEST_F(CredentialsIntegration, ImdsFallsBackToV1WhenTheTokenRequestIsRefused) {
  for (const int refusal : {403, 404, 405}) {
    SCOPED_TRACE(refusal);
    LocalHttpServer imds(fake_imds(refusal));
    testing::ScopedEnvironment local;
    local.unset("AWS_EC2_METADATA_DISABLED");
    local.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint());

    const SourceResult result = imds_source(ProfileSection{}, http());
    ASSERT_NE(result.provider, nullptr) << result.skipped_because;
    EXPECT_EQ(result.provider->credentials().access_key_id(), "IMDSKEY");
    const auto requests = imds.requests();
    ASSERT_EQ(requests.size(), 3u);
    EXPECT_EQ(requests[0].method, "PUT");
    EXPECT_EQ(requests[1].header("X-aws-ec2-metadata-token"), "");
    EXPECT_EQ(requests[2].header("X-aws-ec2-metadata-token"), "");
    EXPECT_EQ(requests[2].target, "/latest/meta-data/iam/security-credentials/role-a");
  }
}

TEST_F(CredentialsIntegration, ImdsFallsBackToV1WhenTheTokenRequestTimesOut) {
  // Inside a container with hop limit 1 the PUT's answer never arrives.
  LocalHttpServer imds(fake_imds(200, 5s));
  ImdsConfig config;
  config.endpoint = imds.endpoint();
  config.timeout = 300ms;
  config.http = http();
  const auto provider = make_imds_provider(std::move(config));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(provider->credentials().access_key_id(), "IMDSKEY");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  const auto requests = imds.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].header("X-aws-ec2-metadata-token"), "");
}

TEST_F(CredentialsIntegration, ImdsWithV1DisabledGivesUpWhenTheTokenRequestIsRefused) {
  LocalHttpServer imds(fake_imds(403));
  env_.unset("AWS_EC2_METADATA_DISABLED");
  env_.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint());
  env_.set("AWS_EC2_METADATA_V1_DISABLED", "true");

  const SourceResult result = imds_source(ProfileSection{}, http());
  EXPECT_EQ(result.provider, nullptr);
  EXPECT_NE(result.skipped_because.find("IMDSv1 is disabled"), std::string::npos)
      << result.skipped_because;
  EXPECT_EQ(imds.requests().size(), 1u);  // the PUT only
}

TEST_F(CredentialsIntegration, ImdsThatIsNotListeningIsSkipped) {
  env_.unset("AWS_EC2_METADATA_DISABLED");
  {
    LocalHttpServer gone(testing::reply_in_order({}));
    env_.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", gone.endpoint());
  }  // nothing listens there any more
  const SourceResult result = imds_source(ProfileSection{}, http());
  EXPECT_EQ(result.provider, nullptr);
  EXPECT_NE(result.skipped_because.find("not reachable"), std::string::npos)
      << result.skipped_because;
}

// ---- container credentials ---------------------------------------------------------------

TEST_F(CredentialsIntegration, ContainerFullUriSendsTheTokenFileReadAfreshEachTime) {
  LocalHttpServer endpoint([](const ReceivedRequest& r) {
    if (r.target != "/v2/credentials/task") return ScriptedReply{.status = 404};
    return ScriptedReply{.headers = {{"Content-Type", "application/json"}},
                         .body = credentials_json("CONTAINERKEY", SystemClock::now() + 6h)};
  });
  env_.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.endpoint() + "/v2/credentials/task");
  env_.set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", write_file("auth", "token-one\n"));
  env_.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "not-this-one");

  const auto provider = make_chain_provider(chain());
  const Credentials c = provider->credentials();
  EXPECT_EQ(c.access_key_id(), "CONTAINERKEY");
  EXPECT_EQ(secret_text(c), "secret-CONTAINERKEY");
  EXPECT_EQ(c.session_token(), "token-CONTAINERKEY");
  EXPECT_EQ(c.source(), "container");

  write_file("auth", "token-two");  // rotated by the agent
  provider->invalidate();
  EXPECT_EQ(provider->credentials().access_key_id(), "CONTAINERKEY");

  const auto requests = endpoint.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].header("Authorization"), "token-one");
  EXPECT_EQ(requests[1].header("Authorization"), "token-two");
}

TEST_F(CredentialsIntegration, ContainerRefusesAPlainHttpFullUriOffLoopback) {
  // Should the check ever let one through, the request goes to this loopback proxy instead of
  // leaving the machine, and fails the test.
  LocalHttpServer trap(testing::reply_in_order({ScriptedReply{.status = 599}}));
  env_.set("http_proxy", trap.endpoint());
  env_.set("all_proxy", trap.endpoint());
  for (const char* uri : {"http://192.0.2.10/creds", "http://localhost.example.invalid/creds",
                          "http://user@127.0.0.1/creds"}) {
    SCOPED_TRACE(uri);
    testing::ScopedEnvironment local;
    local.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri);
    EXPECT_THROW((void)container_source(http()), ConfigError);
    // The chain stops there too rather than falling through to another identity.
    EXPECT_THROW((void)make_chain_provider(chain())->credentials(), ConfigError);
  }
  EXPECT_EQ(transport_->sent(), 0);
  EXPECT_EQ(trap.connections_accepted(), 0);
}

TEST_F(CredentialsIntegration, ContainerRetriesServerErrorsAndDroppedConnections) {
  LocalHttpServer endpoint(testing::reply_in_order(
      {ScriptedReply{.status = 503}, ScriptedReply{.drop = true},
       ScriptedReply{.body = credentials_json("RETRIEDKEY", SystemClock::now() + 6h)}}));
  ContainerConfig config;
  config.url = endpoint.endpoint() + "/creds";
  config.http = http();
  config.max_attempts = 3;
  EXPECT_EQ(make_container_provider(std::move(config))->credentials().access_key_id(),
            "RETRIEDKEY");
  EXPECT_EQ(endpoint.requests().size(), 3u);
}

TEST_F(CredentialsIntegration, DefaultChainUsesTheProcessWideTransport) {
  LocalHttpServer endpoint(testing::reply_in_order(
      {ScriptedReply{.body = credentials_json("DEFAULTKEY", SystemClock::now() + 6h)}}));
  env_.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.endpoint() + "/creds");
  // No transport in code: the chain still reaches the HTTP sources.
  EXPECT_EQ(make_default_credentials_provider()->credentials().access_key_id(), "DEFAULTKEY");
  EXPECT_EQ(endpoint.requests().size(), 1u);
}

// ---- expiry and refresh ------------------------------------------------------------------

TEST_F(CredentialsIntegration, CredentialsNearTheirExpiryAreFetchedAgain) {
  // The first answer expires inside the mandatory refresh window (10 minutes), so the next
  // call must fetch; the second lasts, so later calls use the cache.
  LocalHttpServer endpoint(testing::reply_in_order(
      {ScriptedReply{.body = credentials_json("SHORTKEY", SystemClock::now() + 5min)},
       ScriptedReply{.body = credentials_json("LONGKEY", SystemClock::now() + 6h)}}));
  env_.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.endpoint() + "/creds");

  const SourceResult result = container_source(http());  // fetches once to prove the source
  ASSERT_NE(result.provider, nullptr);
  EXPECT_EQ(endpoint.requests().size(), 1u);
  EXPECT_EQ(result.provider->credentials().access_key_id(), "LONGKEY");
  EXPECT_EQ(endpoint.requests().size(), 2u);
  EXPECT_EQ(result.provider->credentials().access_key_id(), "LONGKEY");
  EXPECT_EQ(endpoint.requests().size(), 2u);
  // Both fetches reused one keep-alive connection.
  EXPECT_EQ(endpoint.connections_accepted(), 1);
}

TEST_F(CredentialsIntegration, InstanceMetadataKeepsTheLastGoodCredentialsWhenItGoesAway) {
  // Static stability (§7.9): IMDS hands out credentials near expiry, then disappears.
  auto imds = std::make_unique<LocalHttpServer>([](const ReceivedRequest& r) {
    if (r.method == "PUT") return ScriptedReply{.body = "tok-123"};
    if (r.target == "/latest/meta-data/iam/security-credentials/") {
      return ScriptedReply{.body = "role-a"};
    }
    return ScriptedReply{.body = credentials_json("STABLEKEY", SystemClock::now() + 5min)};
  });
  ImdsConfig config;
  config.endpoint = imds->endpoint();
  config.http = http();
  const auto provider = make_imds_provider(std::move(config));
  EXPECT_EQ(provider->credentials().access_key_id(), "STABLEKEY");
  const int sent_while_up = transport_->sent();
  imds.reset();
  EXPECT_EQ(provider->credentials().access_key_id(), "STABLEKEY");
  EXPECT_GT(transport_->sent(), sent_while_up);  // it did try, over the network, and failed
}

}  // namespace
}  // namespace ddbcrypt::aws::internal
