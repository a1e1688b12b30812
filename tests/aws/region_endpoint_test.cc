#include "aws/region_endpoint.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "ddbcrypt/error.h"

extern char** environ;

namespace ddbcrypt::aws::internal {
namespace {

// Clears every AWS_* variable, points the shared files into a temporary directory and puts
// everything back in TearDown.
class RegionEndpointTest : public ::testing::Test {
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
    char tmpl[] = "/tmp/ddbcrypt_region_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    setenv("HOME", dir_.c_str(), 1);
    config_path_ = dir_ + "/config";
    credentials_path_ = dir_ + "/credentials";
    setenv("AWS_CONFIG_FILE", config_path_.c_str(), 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", credentials_path_.c_str(), 1);
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
  void write_config(const std::string& text) { std::ofstream(config_path_) << text; }
  void write_credentials(const std::string& text) { std::ofstream(credentials_path_) << text; }

  std::map<std::string, std::string> saved_;
  std::string dir_;
  std::string config_path_;
  std::string credentials_path_;
};

// ---- region ----------------------------------------------------------------------------

TEST_F(RegionEndpointTest, RegionPrecedence) {
  write_config("[default]\nregion = from-profile\n");
  ClientConfig config;
  EXPECT_EQ(resolve_region(config), "from-profile");
  setenv("AWS_DEFAULT_REGION", "from-default-region", 1);
  EXPECT_EQ(resolve_region(config), "from-default-region");
  setenv("AWS_REGION", "from-region", 1);
  EXPECT_EQ(resolve_region(config), "from-region");
  config.region = "explicit";
  EXPECT_EQ(resolve_region(config), "explicit");
}

TEST_F(RegionEndpointTest, RegionFromSelectedProfile) {
  write_config("[default]\nregion = d\n[profile dev]\nregion = eu-north-1\n");
  ClientConfig config;
  config.profile = "dev";
  EXPECT_EQ(resolve_region(config), "eu-north-1");
  config.profile.reset();
  setenv("AWS_PROFILE", "dev", 1);
  EXPECT_EQ(resolve_region(config), "eu-north-1");
}

TEST_F(RegionEndpointTest, RegionFromCredentialsFileProfileToo) {
  write_credentials("[default]\nregion = creds-region\n");
  EXPECT_EQ(resolve_region(ClientConfig{}), "creds-region");
}

TEST_F(RegionEndpointTest, EmptyValuesCountAsUnset) {
  write_config("[default]\nregion = r\n");
  setenv("AWS_REGION", "", 1);
  ClientConfig config;
  config.region = "";
  EXPECT_EQ(resolve_region(config), "r");
}

TEST_F(RegionEndpointTest, NoRegionIsAConfigErrorThatSaysHowToSetOne) {
  EXPECT_FALSE(find_region(ClientConfig{}).has_value());
  try {
    (void)resolve_region(ClientConfig{});
    ADD_FAILURE() << "no region accepted";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("AWS_REGION"), std::string::npos) << m;
    EXPECT_NE(m.find("'default'"), std::string::npos) << m;
  }
}

TEST_F(RegionEndpointTest, MissingExplicitProfileFailsOnlyWhenConsulted) {
  ClientConfig config;
  config.profile = "absent";
  EXPECT_THROW((void)resolve_region(config), ConfigError);
  setenv("AWS_REGION", "us-east-2", 1);
  EXPECT_EQ(resolve_region(config), "us-east-2");
}

// ---- default endpoints -----------------------------------------------------------------

TEST(DefaultEndpoint, ServicesInTheStandardPartition) {
  EXPECT_EQ(default_endpoint(kDynamoDbService, "us-east-1"), "https://dynamodb.us-east-1.amazonaws.com");
  EXPECT_EQ(default_endpoint(kKmsService, "eu-west-1"), "https://kms.eu-west-1.amazonaws.com");
  EXPECT_EQ(default_endpoint(kStsService, "ap-southeast-2"), "https://sts.ap-southeast-2.amazonaws.com");
  EXPECT_EQ(default_endpoint(kDynamoDbStreamsService, "us-west-2"),
            "https://streams.dynamodb.us-west-2.amazonaws.com");
}

TEST(DefaultEndpoint, ServiceIdSpellings) {
  EXPECT_EQ(default_endpoint("dynamodb_streams", "us-west-2"),
            "https://streams.dynamodb.us-west-2.amazonaws.com");
  EXPECT_EQ(default_endpoint("dynamodb streams", "us-west-2"),
            "https://streams.dynamodb.us-west-2.amazonaws.com");
  EXPECT_EQ(default_endpoint("kms", "us-west-2"), "https://kms.us-west-2.amazonaws.com");
  EXPECT_THROW((void)default_endpoint("S3", "us-west-2"), ConfigError);
}

// Expected values are what botocore 1.43 resolves for the same service and region.
TEST(DefaultEndpoint, PartitionsAndVariantsMatchBotocore) {
  struct Case {
    std::string_view service;
    std::string_view region;
    bool fips;
    bool dual;
    std::string_view url;
  };
  const Case cases[] = {
      {kDynamoDbService, "cn-north-1", false, false, "https://dynamodb.cn-north-1.amazonaws.com.cn"},
      {kDynamoDbService, "cn-north-1", false, true,
       "https://dynamodb.cn-north-1.api.amazonwebservices.com.cn"},
      {kKmsService, "cn-northwest-1", true, false, "https://kms-fips.cn-northwest-1.amazonaws.com.cn"},
      {kDynamoDbService, "us-gov-west-1", false, false, "https://dynamodb.us-gov-west-1.amazonaws.com"},
      {kDynamoDbService, "us-gov-west-1", true, false,
       "https://dynamodb-fips.us-gov-west-1.amazonaws.com"},
      {kKmsService, "us-iso-east-1", false, false, "https://kms.us-iso-east-1.c2s.ic.gov"},
      {kKmsService, "us-isob-east-1", false, false, "https://kms.us-isob-east-1.sc2s.sgov.gov"},
      {kStsService, "eu-isoe-west-1", false, false, "https://sts.eu-isoe-west-1.cloud.adc-e.uk"},
      {kStsService, "us-isof-south-1", true, false, "https://sts-fips.us-isof-south-1.csp.hci.ic.gov"},
      {kDynamoDbService, "us-east-1", true, false, "https://dynamodb-fips.us-east-1.amazonaws.com"},
      {kDynamoDbService, "us-east-1", false, true, "https://dynamodb.us-east-1.api.aws"},
      {kDynamoDbService, "us-east-1", true, true, "https://dynamodb-fips.us-east-1.api.aws"},
      {kDynamoDbStreamsService, "eu-central-1", true, false,
       "https://streams.dynamodb-fips.eu-central-1.amazonaws.com"},
      {kDynamoDbStreamsService, "cn-north-1", false, false,
       "https://streams.dynamodb.cn-north-1.amazonaws.com.cn"},
      {kStsService, "eu-central-1", true, true, "https://sts-fips.eu-central-1.api.aws"},
      {kDynamoDbService, "local", false, false, "http://localhost:8000"},
      {kDynamoDbStreamsService, "local", false, false, "http://localhost:8000"},
      {kKmsService, "local", false, false, "https://kms.local.amazonaws.com"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(default_endpoint(c.service, c.region, {c.fips, c.dual}), c.url)
        << c.service << " " << c.region << " fips=" << c.fips << " dual=" << c.dual;
  }
}

TEST(DefaultEndpoint, StsWithoutRegionIsGlobalOthersNeedARegion) {
  EXPECT_EQ(default_endpoint(kStsService, ""), "https://sts.amazonaws.com");
  EXPECT_THROW((void)default_endpoint(kKmsService, ""), ConfigError);
  EXPECT_THROW((void)default_endpoint(kStsService, "", {true, false}), ConfigError);
}

TEST(DefaultEndpoint, RegionMustBeAHostLabel) {
  for (const char* bad : {"us-east-1/evil", "US-EAST-1", "a.b", "-x", "x-", "a b", "a@b"}) {
    EXPECT_THROW((void)default_endpoint(kKmsService, bad), ConfigError) << bad;
  }
}

// ---- endpoint resolution ---------------------------------------------------------------

TEST_F(RegionEndpointTest, DefaultWhenNothingConfigured) {
  EXPECT_EQ(resolve_endpoint(ClientConfig{}, kKmsService, "eu-west-3"),
            "https://kms.eu-west-3.amazonaws.com");
}

TEST_F(RegionEndpointTest, EndpointPrecedenceStepByStep) {
  write_config(
      "[default]\n"
      "endpoint_url = http://127.0.0.1:5005\n"
      "services = local\n"
      "[services local]\n"
      "kms =\n  endpoint_url = http://127.0.0.1:5004\n");
  ClientConfig config;
  EXPECT_EQ(resolve_endpoint(config, kKmsService, "r"), "http://127.0.0.1:5004");
  // The services section has no dynamodb entry: the profile's endpoint_url applies.
  EXPECT_EQ(resolve_endpoint(config, kDynamoDbService, "r"), "http://127.0.0.1:5005");
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5003", 1);
  EXPECT_EQ(resolve_endpoint(config, kKmsService, "r"), "http://127.0.0.1:5003");
  setenv("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:5002/", 1);
  EXPECT_EQ(resolve_endpoint(config, kKmsService, "r"), "http://127.0.0.1:5002");
  EXPECT_EQ(resolve_endpoint(config, kDynamoDbService, "r"), "http://127.0.0.1:5003");
  config.endpoint_override = "http://127.0.0.1:5001";
  EXPECT_EQ(resolve_endpoint(config, kKmsService, "r"), "http://127.0.0.1:5001");
}

TEST_F(RegionEndpointTest, ServiceSpecificEnvironmentNames) {
  setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1", 1);
  setenv("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "http://127.0.0.1:2", 1);
  setenv("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:3", 1);
  setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4", 1);
  const ClientConfig config;
  EXPECT_EQ(resolve_endpoint(config, kDynamoDbService, "r"), "http://127.0.0.1:1");
  EXPECT_EQ(resolve_endpoint(config, kDynamoDbStreamsService, "r"), "http://127.0.0.1:2");
  EXPECT_EQ(resolve_endpoint(config, kKmsService, "r"), "http://127.0.0.1:3");
  EXPECT_EQ(resolve_endpoint(config, kStsService, "r"), "http://127.0.0.1:4");
}

TEST_F(RegionEndpointTest, ServicesSectionKeysUseUnderscores) {
  write_config(
      "[default]\nservices = s\n"
      "[services s]\n"
      "dynamodb_streams =\n  endpoint_url = http://127.0.0.1:7001\n"
      "dynamodb =\n  endpoint_url = http://127.0.0.1:7000\n");
  EXPECT_EQ(resolve_endpoint(ClientConfig{}, kDynamoDbStreamsService, "r"), "http://127.0.0.1:7001");
  EXPECT_EQ(resolve_endpoint(ClientConfig{}, kDynamoDbService, "r"), "http://127.0.0.1:7000");
  EXPECT_EQ(resolve_endpoint(ClientConfig{}, kKmsService, "us-east-1"),
            "https://kms.us-east-1.amazonaws.com");
}

TEST_F(RegionEndpointTest, ProfileNamingAMissingServicesSectionIsAnError) {
  write_config("[default]\nservices = nowhere\n");
  EXPECT_THROW((void)resolve_endpoint(ClientConfig{}, kKmsService, "r"), ConfigError);
  // An explicit override never looks at the profile.
  ClientConfig config;
  config.endpoint_override = "http://127.0.0.1:9";
  EXPECT_EQ(resolve_endpoint(config, kKmsService, "r"), "http://127.0.0.1:9");
}

TEST_F(RegionEndpointTest, SelectedProfileSuppliesEndpoint) {
  write_config("[default]\nendpoint_url = http://127.0.0.1:1\n"
               "[profile dev]\nendpoint_url = http://127.0.0.1:2\n");
  ClientConfig config;
  config.profile = "dev";
  EXPECT_EQ(resolve_endpoint(config, kKmsService, "r"), "http://127.0.0.1:2");
}

TEST_F(RegionEndpointTest, IgnoreConfiguredEndpointUrls) {
  write_config("[default]\nendpoint_url = http://127.0.0.1:5005\n");
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5003", 1);
  setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
  ClientConfig config;
  EXPECT_EQ(resolve_endpoint(config, kKmsService, "us-east-1"), "https://kms.us-east-1.amazonaws.com");
  config.endpoint_override = "http://127.0.0.1:1";  // code is never ignored
  EXPECT_EQ(resolve_endpoint(config, kKmsService, "us-east-1"), "http://127.0.0.1:1");

  unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  write_config("[default]\nendpoint_url = http://127.0.0.1:5005\nignore_configured_endpoint_urls = true\n");
  EXPECT_EQ(resolve_endpoint(ClientConfig{}, kKmsService, "us-east-1"),
            "https://kms.us-east-1.amazonaws.com");
  // The environment's explicit false beats the profile's true.
  setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", 1);
  EXPECT_EQ(resolve_endpoint(ClientConfig{}, kKmsService, "us-east-1"), "http://127.0.0.1:5003");
}

TEST_F(RegionEndpointTest, FipsAndDualStackFromEnvironmentOrProfile) {
  setenv("AWS_USE_FIPS_ENDPOINT", "true", 1);
  EXPECT_EQ(resolve_endpoint(ClientConfig{}, kKmsService, "us-east-1"),
            "https://kms-fips.us-east-1.amazonaws.com");
  unsetenv("AWS_USE_FIPS_ENDPOINT");
  write_config("[default]\nuse_dualstack_endpoint = true\n");
  EXPECT_EQ(resolve_endpoint(ClientConfig{}, kKmsService, "us-east-1"), "https://kms.us-east-1.api.aws");
  setenv("AWS_USE_DUALSTACK_ENDPOINT", "maybe", 1);
  EXPECT_THROW((void)resolve_endpoint(ClientConfig{}, kKmsService, "us-east-1"), ConfigError);
}

TEST_F(RegionEndpointTest, OverrideUrlsAreValidated) {
  ClientConfig config;
  for (const char* bad : {"127.0.0.1:8000", "ftp://host", "http://", "http:///path", "http://:80",
                          "http://user@host", "http://host/a b", "http://host/?q=1",
                          "http://host/#frag"}) {
    config.endpoint_override = bad;
    EXPECT_THROW((void)resolve_endpoint(config, kKmsService, "r"), ConfigError) << bad;
  }
  setenv("AWS_ENDPOINT_URL_KMS", "localhost:4566", 1);
  try {
    (void)resolve_endpoint(ClientConfig{}, kKmsService, "r");
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("AWS_ENDPOINT_URL_KMS"), std::string::npos);
  }
}

TEST(NormalizeEndpointUrl, KeepsSchemeHostPortPathDropsTrailingSlashes) {
  EXPECT_EQ(normalize_endpoint_url("http://127.0.0.1:8000/", "x"), "http://127.0.0.1:8000");
  EXPECT_EQ(normalize_endpoint_url("HTTPS://Example.com//", "x"), "HTTPS://Example.com");
  EXPECT_EQ(normalize_endpoint_url("http://[::1]:5000/proxy/", "x"), "http://[::1]:5000/proxy");
  EXPECT_EQ(normalize_endpoint_url("https://kms.us-east-1.amazonaws.com", "x"),
            "https://kms.us-east-1.amazonaws.com");
}

// ---- max attempts ----------------------------------------------------------------------

TEST_F(RegionEndpointTest, MaxAttemptsPrecedence) {
  ClientConfig config;
  EXPECT_FALSE(resolve_max_attempts(config).has_value());
  write_config("[default]\nmax_attempts = 7\n");
  EXPECT_EQ(resolve_max_attempts(config), 7);
  setenv("AWS_MAX_ATTEMPTS", "4", 1);
  EXPECT_EQ(resolve_max_attempts(config), 4);
  config.retry.max_attempts = 2;
  EXPECT_EQ(resolve_max_attempts(config), 2);
  config.retry.max_attempts = 0;
  EXPECT_THROW((void)resolve_max_attempts(config), ConfigError);
  config.retry.max_attempts.reset();
  for (const char* bad : {"0", "-1", "3x", "many"}) {
    setenv("AWS_MAX_ATTEMPTS", bad, 1);
    EXPECT_THROW((void)resolve_max_attempts(config), ConfigError) << bad;
  }
}

// ---- all at once -----------------------------------------------------------------------

TEST_F(RegionEndpointTest, ResolveServiceCombinesTheThree) {
  write_config("[profile p]\nregion = sa-east-1\n");
  ClientConfig config;
  config.profile = "p";
  auto target = resolve_service(config, kDynamoDbService);
  EXPECT_EQ(target.region, "sa-east-1");
  EXPECT_EQ(target.endpoint, "https://dynamodb.sa-east-1.amazonaws.com");
  ASSERT_NE(target.credentials, nullptr);

  auto explicit_provider = make_static_credentials_provider(
      Credentials("AKID", SecretBytes::copy_of(std::vector<std::uint8_t>{1, 2, 3})));
  config.credentials_provider = explicit_provider;
  config.endpoint_override = "http://127.0.0.1:8000";
  target = resolve_service(config, kDynamoDbService);
  EXPECT_EQ(target.credentials, explicit_provider);
  EXPECT_EQ(target.endpoint, "http://127.0.0.1:8000");

  config.profile.reset();
  EXPECT_THROW((void)resolve_service(config, kDynamoDbService), ConfigError);  // no region
}

TEST_F(RegionEndpointTest, ResolveCredentialsProviderPrefersExplicit) {
  auto explicit_provider = make_static_credentials_provider(
      Credentials("AKID", SecretBytes::copy_of(std::vector<std::uint8_t>{1})));
  ClientConfig config;
  config.credentials_provider = explicit_provider;
  EXPECT_EQ(resolve_credentials_provider(config), explicit_provider);
  config.credentials_provider.reset();
  auto chain = resolve_credentials_provider(config);
  ASSERT_NE(chain, nullptr);
  EXPECT_NE(chain, explicit_provider);
}

}  // namespace
}  // namespace ddbcrypt::aws::internal
