#include "aws/shared_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "ddbcrypt/error.h"

extern char** environ;

namespace ddbcrypt::aws::internal {
namespace {

// Saves every AWS_* variable and HOME, clears the AWS_* ones, restores all in TearDown.
class SharedConfigEnv : public ::testing::Test {
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
    char tmpl[] = "/tmp/ddbcrypt_shared_config_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
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
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::map<std::string, std::string> saved_;
  std::string dir_;
};

ParsedProfileFile parse_config(std::string_view text) {
  return parse_profile_file(text, ProfileFileKind::kConfig, "config");
}
ParsedProfileFile parse_credentials(std::string_view text) {
  return parse_profile_file(text, ProfileFileKind::kCredentials, "credentials");
}

TEST(SharedConfigParse, ReadsDefaultAndNamedProfilesInConfigFile) {
  const auto f = parse_config(
      "[default]\nregion = us-east-1\n\n[profile dev]\nregion=eu-west-1\noutput = json\n");
  ASSERT_EQ(f.profiles.size(), 2u);
  EXPECT_EQ(f.profiles.at("default").get("region"), "us-east-1");
  EXPECT_EQ(f.profiles.at("dev").get("region"), "eu-west-1");
  EXPECT_EQ(f.profiles.at("dev").get("output"), "json");
  EXPECT_TRUE(f.warnings.empty());
}

TEST(SharedConfigParse, ConfigFileIgnoresBareSectionNamesOtherThanDefault) {
  const auto f = parse_config("[dev]\nregion = eu-west-1\n[profile ok]\nregion = x\n");
  EXPECT_EQ(f.profiles.count("dev"), 0u);
  EXPECT_EQ(f.profiles.count("ok"), 1u);
  ASSERT_EQ(f.warnings.size(), 1u);
  EXPECT_NE(f.warnings[0].find("config line 1"), std::string::npos);
}

TEST(SharedConfigParse, CredentialsFileTakesBareNamesAndRejectsProfilePrefix) {
  const auto f = parse_credentials("[dev]\naws_access_key_id = A\n[profile other]\nx = y\n");
  EXPECT_EQ(f.profiles.count("dev"), 1u);
  // "profile other" has a blank, which is not a valid profile name: ignored.
  EXPECT_EQ(f.profiles.count("profile other"), 0u);
  EXPECT_EQ(f.profiles.count("other"), 0u);
  EXPECT_EQ(f.warnings.size(), 1u);
}

TEST(SharedConfigParse, ProfilePrefixAcceptsTabsAndExtraBlanks) {
  const auto f = parse_config("[profile\t  spaced  ]\nregion = r1\n[  profile x ]\nregion = r2\n");
  EXPECT_EQ(f.profiles.at("spaced").get("region"), "r1");
  EXPECT_EQ(f.profiles.at("x").get("region"), "r2");
}

TEST(SharedConfigParse, ProfileWordWithoutBlankIsNotAPrefix) {
  const auto f = parse_config("[profilefoo]\nregion = r\n");
  EXPECT_TRUE(f.profiles.empty());
  EXPECT_EQ(f.warnings.size(), 1u);
}

TEST(SharedConfigParse, ProfileDefaultWinsOverBareDefaultInEitherOrder) {
  const auto before = parse_config("[default]\nregion = bare\nonly_bare = 1\n"
                                   "[profile default]\nregion = prefixed\n");
  EXPECT_EQ(before.profiles.at("default").get("region"), "prefixed");
  EXPECT_FALSE(before.profiles.at("default").get("only_bare").has_value());

  const auto after = parse_config("[profile default]\nregion = prefixed\n"
                                  "[default]\nregion = bare\n");
  EXPECT_EQ(after.profiles.at("default").get("region"), "prefixed");
  EXPECT_EQ(after.warnings.size(), 1u);
}

TEST(SharedConfigParse, CommentsWithHashAndSemicolonIncludingIndented) {
  const auto f = parse_config(
      "# leading comment\n; another\n[default]\n  # indented comment\nregion = r\n\t; tab\n");
  EXPECT_EQ(f.profiles.at("default").properties.size(), 1u);
  EXPECT_EQ(f.profiles.at("default").get("region"), "r");
}

TEST(SharedConfigParse, TrailingCommentsNeedABlankBeforeThem) {
  const auto f = parse_credentials(
      "[a] # comment after header\n"
      "k1 = value # comment\n"
      "k2 = value;not-a-comment\n"
      "k3 = val#ue\n"
      "k4 = value\t; tab comment\n");
  const auto& a = f.profiles.at("a");
  EXPECT_EQ(a.get("k1"), "value");
  EXPECT_EQ(a.get("k2"), "value;not-a-comment");
  EXPECT_EQ(a.get("k3"), "val#ue");
  EXPECT_EQ(a.get("k4"), "value");
}

TEST(SharedConfigParse, HeaderCommentNeedsNoBlank) {
  const auto f = parse_credentials("[a]#c\nk = v\n[b];c\nk = w\n");
  EXPECT_EQ(f.profiles.at("a").get("k"), "v");
  EXPECT_EQ(f.profiles.at("b").get("k"), "w");
}

TEST(SharedConfigParse, WhitespaceAroundKeysValuesAndCrLf) {
  const auto f = parse_credentials("[a]\r\n  \r\nkey   =    spaced value   \r\nempty =\r\n");
  EXPECT_EQ(f.profiles.at("a").get("key"), "spaced value");
  EXPECT_EQ(f.profiles.at("a").get("empty"), "");
  EXPECT_FALSE(f.profiles.at("a").non_empty("empty").has_value());
}

TEST(SharedConfigParse, ValueKeepsLaterEqualsSigns) {
  const auto f = parse_credentials("[a]\nsecret = ab/cd+ef==\n");
  EXPECT_EQ(f.profiles.at("a").get("secret"), "ab/cd+ef==");
}

TEST(SharedConfigParse, KeysAreCaseInsensitiveProfileNamesAreNot) {
  const auto f = parse_credentials("[Dev]\nAWS_Access_Key_ID = A\n[dev]\naws_access_key_id = B\n");
  EXPECT_EQ(f.profiles.at("Dev").get("aws_access_key_id"), "A");
  EXPECT_EQ(f.profiles.at("dev").get("aws_access_key_id"), "B");
}

TEST(SharedConfigParse, DuplicateSectionsMergeAndLaterKeysWin) {
  const auto f = parse_credentials("[a]\nk1 = first\nk2 = kept\n[b]\nx = 1\n[a]\nk1 = second\n");
  const auto& a = f.profiles.at("a");
  EXPECT_EQ(a.get("k1"), "second");
  EXPECT_EQ(a.get("k2"), "kept");
  EXPECT_EQ(f.profiles.at("b").get("x"), "1");
  ASSERT_EQ(f.warnings.size(), 1u);
  EXPECT_NE(f.warnings[0].find("k1"), std::string::npos);
}

TEST(SharedConfigParse, DuplicateKeyInOneSectionLaterWins) {
  const auto f = parse_credentials("[a]\nk = 1\nk = 2\n");
  EXPECT_EQ(f.profiles.at("a").get("k"), "2");
}

TEST(SharedConfigParse, SubPropertiesUnderEmptyValue) {
  const auto f = parse_config(
      "[profile p]\n"
      "s3 =\n"
      "  max_concurrent_requests = 10\n"
      "  Addressing_Style = path\n"
      "region = us-west-2\n");
  const auto& p = f.profiles.at("p");
  EXPECT_EQ(p.get_sub("s3", "max_concurrent_requests"), "10");
  EXPECT_EQ(p.get_sub("s3", "addressing_style"), "path");
  EXPECT_EQ(p.get("region"), "us-west-2");
  EXPECT_FALSE(p.get_sub("s3", "region").has_value());
}

TEST(SharedConfigParse, ContinuationOfNonEmptyValueJoinsWithNewline) {
  const auto f = parse_credentials("[a]\nk = line1\n  line2\n\tline3 # kept\n");
  EXPECT_EQ(f.profiles.at("a").get("k"), "line1\nline2\nline3 # kept");
  EXPECT_TRUE(f.profiles.at("a").sub_properties.empty());
}

TEST(SharedConfigParse, ServicesAndSsoSessionSections) {
  const auto f = parse_config(
      "[profile dev]\nservices = local\n"
      "[services local]\n"
      "dynamodb =\n  endpoint_url = http://127.0.0.1:8000\n"
      "kms =\n  endpoint_url = http://127.0.0.1:5000\n"
      "[sso-session corp]\nsso_region = us-east-1\n");
  ASSERT_EQ(f.services.count("local"), 1u);
  EXPECT_EQ(f.services.at("local").get_sub("dynamodb", "endpoint_url"), "http://127.0.0.1:8000");
  EXPECT_EQ(f.services.at("local").get_sub("kms", "endpoint_url"), "http://127.0.0.1:5000");
  EXPECT_EQ(f.sso_sessions.at("corp").get("sso_region"), "us-east-1");
  EXPECT_EQ(f.profiles.count("local"), 0u);
}

TEST(SharedConfigParse, ServicesSectionInCredentialsFileIsJustAName) {
  const auto f = parse_credentials("[services x]\nk = v\n");
  EXPECT_TRUE(f.services.empty());
  EXPECT_TRUE(f.profiles.empty());  // the blank makes it an invalid name
}

TEST(SharedConfigParse, InvalidPropertyNamesAreIgnoredWithTheirContinuations) {
  const auto f = parse_credentials("[a]\nbad key = v\n  more\ngood = 1\n");
  EXPECT_EQ(f.profiles.at("a").properties.size(), 1u);
  EXPECT_EQ(f.profiles.at("a").get("good"), "1");
  EXPECT_EQ(f.warnings.size(), 1u);
}

TEST(SharedConfigParse, PropertiesOfIgnoredSectionsAreDropped) {
  const auto f = parse_config("[ignored]\nk = v\n  cont\n[default]\nr = 1\n");
  EXPECT_EQ(f.profiles.size(), 1u);
  EXPECT_EQ(f.profiles.at("default").properties.size(), 1u);
}

TEST(SharedConfigParse, ByteOrderMarkIsSkipped) {
  const auto f = parse_credentials("\xEF\xBB\xBF[a]\nk = v\n");
  EXPECT_EQ(f.profiles.at("a").get("k"), "v");
}

TEST(SharedConfigParse, EmptyTextHasNoProfiles) {
  EXPECT_TRUE(parse_config("").profiles.empty());
  EXPECT_TRUE(parse_config("\n\n  \n# only comments\n").profiles.empty());
}

TEST(SharedConfigParse, MalformedLinesAreConfigErrorsNamingTheLineNotTheContent) {
  const std::pair<const char*, const char*> cases[] = {
      {"k = v\n", "line 1"},                               // property before a section
      {"[a]\n[b\n", "line 2"},                             // no closing bracket
      {"[a]\nSECRETnoequals\n", "line 2"},                 // no '='
      {"[a]\n= value\n", "line 2"},                        // no name
      {"[a]\n  continuation\n", "line 2"},                 // nothing to continue
      {"[a]\nk =\n  SECRETsubwithoutequals\n", "line 3"},  // sub-property without '='
      {"[a]\nk =\n  = v\n", "line 3"},                     // sub-property without a name
  };
  for (const auto& [text, where] : cases) {
    try {
      (void)parse_credentials(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(where), std::string::npos) << message;
      EXPECT_NE(message.find("credentials"), std::string::npos) << message;
      EXPECT_EQ(message.find("SECRET"), std::string::npos) << message;
    }
  }
}

TEST(SharedConfigMerge, CredentialsFileWinsKeyByKey) {
  const auto config = SharedConfig::from_text(
      "[profile dev]\nregion = eu-west-1\naws_access_key_id = FROMCONFIG\n",
      "[dev]\naws_access_key_id = FROMCREDS\naws_secret_access_key = S\n");
  const auto dev = config.profile("dev");
  ASSERT_TRUE(dev.has_value());
  EXPECT_EQ(dev->get("aws_access_key_id"), "FROMCREDS");
  EXPECT_EQ(dev->get("aws_secret_access_key"), "S");
  EXPECT_EQ(dev->get("region"), "eu-west-1");
  EXPECT_FALSE(config.profile("missing").has_value());
  EXPECT_TRUE(config.has_profile("dev"));
  EXPECT_FALSE(config.has_profile("missing"));
}

TEST(SharedConfigMerge, ProfileOnlyInOneFileIsFound) {
  const auto config = SharedConfig::from_text("[profile c]\nregion = r\n", "[k]\nx = 1\n");
  EXPECT_EQ(config.profile("c")->get("region"), "r");
  EXPECT_EQ(config.profile("k")->get("x"), "1");
}

TEST_F(SharedConfigEnv, ExpandHomeUsesHome) {
  setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(expand_home("~/.aws/config"), "/home/someone/.aws/config");
  EXPECT_EQ(expand_home("~"), "/home/someone");
  EXPECT_EQ(expand_home("/abs/path"), "/abs/path");
  EXPECT_EQ(expand_home("relative/~x"), "relative/~x");
  EXPECT_EQ(expand_home("~other/x"), "~other/x");
  setenv("HOME", "/home/slash/", 1);
  EXPECT_EQ(expand_home("~/x"), "/home/slash/x");
}

TEST_F(SharedConfigEnv, PathsComeFromEnvironmentOrHome) {
  setenv("HOME", "/home/h", 1);
  auto paths = shared_config_paths();
  EXPECT_EQ(paths.config_file, "/home/h/.aws/config");
  EXPECT_EQ(paths.credentials_file, "/home/h/.aws/credentials");
  setenv("AWS_CONFIG_FILE", "~/cfg", 1);
  setenv("AWS_SHARED_CREDENTIALS_FILE", "/elsewhere/creds", 1);
  paths = shared_config_paths();
  EXPECT_EQ(paths.config_file, "/home/h/cfg");
  EXPECT_EQ(paths.credentials_file, "/elsewhere/creds");
}

TEST_F(SharedConfigEnv, LoadReadsBothFilesAndToleratesMissingOnes) {
  setenv("HOME", dir_.c_str(), 1);
  write(".aws/config", "[profile p]\nregion = ap-south-1\n");
  write(".aws/credentials", "[p]\naws_access_key_id = K\n");
  const auto config = SharedConfig::load();
  EXPECT_EQ(config.profile("p")->get("region"), "ap-south-1");
  EXPECT_EQ(config.profile("p")->get("aws_access_key_id"), "K");

  setenv("AWS_CONFIG_FILE", (dir_ + "/absent").c_str(), 1);
  setenv("AWS_SHARED_CREDENTIALS_FILE", (dir_ + "/also-absent").c_str(), 1);
  const auto empty = SharedConfig::load();
  EXPECT_FALSE(empty.has_profile("p"));
  EXPECT_FALSE(empty.has_profile("default"));
}

TEST_F(SharedConfigEnv, LoadRejectsADirectoryAndMalformedFile) {
  setenv("AWS_CONFIG_FILE", dir_.c_str(), 1);
  setenv("AWS_SHARED_CREDENTIALS_FILE", (dir_ + "/absent").c_str(), 1);
  EXPECT_THROW((void)SharedConfig::load(), ConfigError);

  const std::string bad = write("bad", "[a\n");
  setenv("AWS_CONFIG_FILE", bad.c_str(), 1);
  try {
    (void)SharedConfig::load();
    ADD_FAILURE() << "malformed file accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(bad + " line 1"), std::string::npos) << e.what();
  }
}

TEST_F(SharedConfigEnv, ChooseProfileOrder) {
  EXPECT_EQ(choose_profile(std::nullopt).name, "default");
  EXPECT_FALSE(choose_profile(std::nullopt).explicitly_requested);
  setenv("AWS_DEFAULT_PROFILE", "legacy", 1);
  EXPECT_EQ(choose_profile(std::nullopt).name, "legacy");
  setenv("AWS_PROFILE", "env", 1);
  EXPECT_EQ(choose_profile(std::nullopt).name, "env");
  EXPECT_TRUE(choose_profile(std::nullopt).explicitly_requested);
  EXPECT_EQ(choose_profile(std::string("code")).name, "code");
  EXPECT_TRUE(choose_profile(std::string("code")).explicitly_requested);
  setenv("AWS_PROFILE", "", 1);  // empty counts as unset
  EXPECT_EQ(choose_profile(std::nullopt).name, "legacy");
}

TEST_F(SharedConfigEnv, MissingExplicitProfileIsAnErrorMissingDefaultIsNot) {
  const auto config = SharedConfig::from_text("[profile a]\nregion = r\n", "");
  EXPECT_TRUE(selected_profile(config, {"default", false}).properties.empty());
  EXPECT_EQ(selected_profile(config, {"a", true}).get("region"), "r");
  try {
    (void)selected_profile(config, {"nope", true});
    ADD_FAILURE() << "missing profile accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos);
  }
}

TEST_F(SharedConfigEnv, EnvironmentHelpers) {
  EXPECT_FALSE(env_var("AWS_DDBCRYPT_TEST_VAR").has_value());
  setenv("AWS_DDBCRYPT_TEST_VAR", "", 1);
  EXPECT_FALSE(env_var("AWS_DDBCRYPT_TEST_VAR").has_value());
  setenv("AWS_DDBCRYPT_TEST_VAR", " TRUE ", 1);
  EXPECT_EQ(env_flag("AWS_DDBCRYPT_TEST_VAR"), true);
  setenv("AWS_DDBCRYPT_TEST_VAR", "False", 1);
  EXPECT_EQ(env_flag("AWS_DDBCRYPT_TEST_VAR"), false);
  setenv("AWS_DDBCRYPT_TEST_VAR", "yes", 1);
  EXPECT_THROW((void)env_flag("AWS_DDBCRYPT_TEST_VAR"), ConfigError);
}

}  // namespace
}  // namespace ddbcrypt::aws::internal
