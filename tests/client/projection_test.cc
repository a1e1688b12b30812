#include "client/projection.h"

#include <gtest/gtest.h>

#include <string>

#include "ddbcrypt/error.h"
#include "ddbcrypt/materials/materials_provider.h"

namespace ddbcrypt::internal {
namespace {

CryptoConfig config_with(AttributeActions actions) {
  return CryptoConfig{
      .provider = nullptr,
      .context = {.table_name = "t", .partition_key_name = "pk",
                  .sort_key_name = std::string("sk")},
      .actions = actions.with_primary_keys("pk", std::string("sk")),
  };
}

// DO_NOTHING by default: the signed attributes are the overrides.
CryptoConfig sparse_config() {
  return config_with(AttributeActions::create(
      CryptoAction::kDoNothing,
      {{"secret", CryptoAction::kEncryptAndSign}, {"email", CryptoAction::kSignOnly},
       {"pk", CryptoAction::kSignOnly}, {"sk", CryptoAction::kSignOnly}}));
}

CryptoConfig dense_config() {
  return config_with(AttributeActions::create(CryptoAction::kEncryptAndSign,
                                              {{"visits", CryptoAction::kDoNothing}}));
}

const RequestSite kSite{"Query", "t"};

std::set<std::string> projected_names(const ProjectionPlan& plan) {
  std::set<std::string> out;
  const ParsedExpression parsed = parse_projection_expression(
      *plan.send.projection_expression, plan.send.names, "ProjectionExpression");
  for (const auto& ref : parsed.paths) out.insert(to_display(ref.path));
  return out;
}

TEST(ProjectionPlan, AddsSignedAttributesAndMetadataToTheProjection) {
  const ProjectionPlan plan = plan_projection(
      kSite, sparse_config(), nullptr,
      ReadShape{.projection_expression = "#n, a.b[1], email.part",
                .names = {{"#n", "name"}, {"#f", "flag"}}},
      {"#f"});
  EXPECT_EQ(projected_names(plan),
            (std::set<std::string>{"name", "a.b[1]", "email", "secret", "pk", "sk",
                                   "*amzn-ddb-map-desc*", "*amzn-ddb-map-sig*"}));
  // The filter's #f stays; the projection's own #n is replaced by the client's placeholders.
  EXPECT_EQ(plan.send.names.count("#f"), 1u);
  EXPECT_EQ(plan.send.names.count("#n"), 0u);
  ASSERT_TRUE(plan.keep);
  ASSERT_EQ(plan.keep->size(), 3u);
  EXPECT_EQ(to_display((*plan.keep)[2]), "email.part");
}

TEST(ProjectionPlan, ReadsTheWholeItemWhenEveryAttributeIsSigned) {
  const ProjectionPlan plan =
      plan_projection(kSite, dense_config(), nullptr,
                      ReadShape{.projection_expression = "#n",
                                .select = aws::Select::kSpecificAttributes,
                                .names = {{"#n", "name"}}},
                      {});
  EXPECT_FALSE(plan.send.projection_expression);
  EXPECT_FALSE(plan.send.select);  // SPECIFIC_ATTRIBUTES without a projection is invalid
  EXPECT_TRUE(plan.send.names.empty());
  ASSERT_TRUE(plan.keep);
  EXPECT_EQ(to_display(plan.keep->at(0)), "name");
}

TEST(ProjectionPlan, WidensLegacyAttributesToGet) {
  const ProjectionPlan plan = plan_projection(
      kSite, sparse_config(), nullptr, ReadShape{.attributes_to_get = {"name", "secret"}}, {});
  const std::set<std::string> got(plan.send.attributes_to_get.begin(),
                                  plan.send.attributes_to_get.end());
  EXPECT_EQ(got, (std::set<std::string>{"name", "secret", "email", "pk", "sk",
                                        "*amzn-ddb-map-desc*", "*amzn-ddb-map-sig*"}));
  EXPECT_EQ(plan.send.attributes_to_get.size(), got.size());
  EXPECT_FALSE(plan.send.projection_expression);
}

TEST(ProjectionPlan, LeavesUnprojectedAndNoopAndCountRequestsAlone) {
  const ReadShape whole{.names = {{"#x", "x"}}};
  EXPECT_FALSE(plan_projection(kSite, dense_config(), nullptr, whole, {}).keep);
  const CryptoConfig noop = config_with(AttributeActions::create(CryptoAction::kDoNothing));
  const ProjectionPlan plan =
      plan_projection(kSite, noop, nullptr, ReadShape{.projection_expression = "a"}, {});
  EXPECT_EQ(plan.send.projection_expression, std::optional<std::string>("a"));
  EXPECT_FALSE(plan.keep);
  const ProjectionPlan count = plan_projection(
      kSite, dense_config(), nullptr,
      ReadShape{.projection_expression = "a", .select = aws::Select::kCount}, {});
  EXPECT_EQ(count.send.projection_expression, std::optional<std::string>("a"));
}

TEST(ProjectionPlan, RefusesBothProjectionForms) {
  EXPECT_THROW((void)plan_projection(
                   kSite, sparse_config(), nullptr,
                   ReadShape{.projection_expression = "a", .attributes_to_get = {"b"}}, {}),
               ConfigError);
}

IndexInfo gsi(aws::ProjectionType type, std::vector<std::string> include = {}) {
  return IndexInfo{.name = "by-g", .global = true, .key_attributes = {"g", "sk"},
                   .projection = type, .non_key_attributes = std::move(include)};
}

TEST(ProjectionPlan, GlobalIndexMustProjectWhatVerificationNeeds) {
  const IndexInfo keys_only = gsi(aws::ProjectionType::kKeysOnly);
  try {
    (void)plan_projection(kSite, sparse_config(), &keys_only, ReadShape{}, {});
    FAIL() << "a KEYS_ONLY global index was accepted";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("Query on table \"t\""), std::string::npos) << message;
    EXPECT_NE(message.find("global secondary index \"by-g\""), std::string::npos) << message;
    EXPECT_NE(message.find("KEYS_ONLY"), std::string::npos) << message;
    EXPECT_NE(message.find("\"*amzn-ddb-map-sig*\""), std::string::npos) << message;
    EXPECT_NE(message.find("\"secret\""), std::string::npos) << message;
  }
  // INCLUDE with everything signed plus the metadata works, with or without a projection.
  const IndexInfo include =
      gsi(aws::ProjectionType::kInclude,
          {"secret", "email", "*amzn-ddb-map-desc*", "*amzn-ddb-map-sig*", "other"});
  EXPECT_NO_THROW((void)plan_projection(kSite, sparse_config(), &include, ReadShape{}, {}));
  const ProjectionPlan plan = plan_projection(kSite, sparse_config(), &include,
                                              ReadShape{.projection_expression = "other"}, {});
  EXPECT_EQ(projected_names(plan).count("other"), 1u);
  // With a signing default only ALL will do.
  EXPECT_THROW((void)plan_projection(kSite, dense_config(), &include, ReadShape{}, {}),
               ConfigError);
  const IndexInfo all = gsi(aws::ProjectionType::kAll);
  const ProjectionPlan dense =
      plan_projection(kSite, dense_config(), &all, ReadShape{.projection_expression = "g"}, {});
  EXPECT_EQ(dense.send.select, std::optional(aws::Select::kAllProjectedAttributes));
}

TEST(ProjectionPlan, LocalIndexReadsTheItemFromTheTable) {
  const IndexInfo lsi{.name = "by-l", .global = false, .key_attributes = {"pk", "l"},
                      .projection = aws::ProjectionType::kKeysOnly};
  const ProjectionPlan plan = plan_projection(kSite, dense_config(), &lsi, ReadShape{}, {});
  EXPECT_EQ(plan.send.select, std::optional(aws::Select::kAllAttributes));
  ASSERT_TRUE(plan.keep);
  std::set<std::string> kept;
  for (const auto& p : *plan.keep) kept.insert(to_display(p));
  EXPECT_EQ(kept, (std::set<std::string>{"pk", "sk", "l"}));
}

TEST(ProjectItem, SelectsLikeDynamoDb) {
  const Item item{
      {"a", AttributeValue::M({{"b", AttributeValue::L({AttributeValue::S("x"),
                                                         AttributeValue::S("y"),
                                                         AttributeValue::S("z")})},
                               {"c", AttributeValue::N("1")}})},
      {"s", AttributeValue::S("text")},
      {"n", AttributeValue::N("2")},
  };
  auto path = [](std::string_view text) {
    return parse_projection_expression(text, {}, "P").paths.at(0).path;
  };
  const Item got = project_item(item, {path("a.b[2]"), path("a.b[0]"), path("n"), path("s.x"),
                                       path("missing"), path("a.nope"), path("a.b[9]")});
  const Item want{
      {"a", AttributeValue::M({{"b", AttributeValue::L({AttributeValue::S("x"),
                                                         AttributeValue::S("z")})}})},
      {"n", AttributeValue::N("2")},
  };
  EXPECT_EQ(got, want);
  EXPECT_EQ(project_item(item, {path("a")}), (Item{{"a", item.at("a")}}));
  EXPECT_TRUE(project_item(item, {}).empty());
}

}  // namespace
}  // namespace ddbcrypt::internal
