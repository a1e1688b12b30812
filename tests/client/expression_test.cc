#include "client/expression.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

std::vector<std::string> displayed(const ParsedExpression& parsed) {
  std::vector<std::string> out;
  for (const PathReference& ref : parsed.paths) out.push_back(to_display(ref.path));
  return out;
}

std::vector<PathUse> uses(const ParsedExpression& parsed) {
  std::vector<PathUse> out;
  for (const PathReference& ref : parsed.paths) out.push_back(ref.use);
  return out;
}

std::string config_error_of(void (*f)()) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ProjectionExpression, ResolvesPlaceholdersAndNestedPaths) {
  const ExpressionNames names{{"#n", "name"}, {"#k", "odd key.with dots"}};
  const ParsedExpression parsed =
      parse_projection_expression("#n, a.b[2].c ,  l[0][13], m.#k", names, "ProjectionExpression");
  EXPECT_EQ(displayed(parsed),
            (std::vector<std::string>{"name", "a.b[2].c", "l[0][13]", "m.odd key.with dots"}));
  EXPECT_EQ(parsed.name_placeholders, (std::set<std::string>{"#n", "#k"}));
  ASSERT_EQ(parsed.paths[1].path.elements.size(), 4u);
  EXPECT_EQ(parsed.paths[1].path.elements[2].index, std::optional<std::size_t>(2));
  EXPECT_EQ(parsed.paths[3].path.attribute(), "m");
  EXPECT_EQ(parsed.paths[3].path.elements[1].name, "odd key.with dots");
}

TEST(ProjectionExpression, RejectsMalformedText) {
  const ExpressionNames none;
  for (const char* bad : {"", "a,", ",a", "a..b", "a[", "a[x]", "a[1", "#", "a b", "a = b",
                          "#missing", "a.[1]", "size(a)", "a;b"}) {
    EXPECT_THROW((void)parse_projection_expression(bad, none, "ProjectionExpression"), ConfigError)
        << bad;
  }
}

TEST(ProjectionExpression, ErrorsNameTheMemberAndOffset) {
  try {
    (void)parse_projection_expression("a, #nope", {}, "ProjectionExpression");
    FAIL();
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("ProjectionExpression"), std::string::npos) << message;
    EXPECT_NE(message.find("#nope"), std::string::npos) << message;
    EXPECT_NE(message.find("offset 3"), std::string::npos) << message;
  }
}

TEST(ConditionExpression, FindsEveryOperandPath) {
  const ExpressionNames names{{"#s", "status"}, {"#v", "version"}};
  const ParsedExpression parsed = parse_condition_expression(
      "(#s = :a OR #s IN (:b, :c)) AND NOT begins_with(email, :d) and size(tags) > :e "
      "AND #v BETWEEN :lo AND :hi AND attribute_not_exists(pk) AND contains(l[1], :f) "
      "AND attribute_type(m.x, :t) AND a <> b AND c <= :g",
      names, "FilterExpression");
  EXPECT_EQ(displayed(parsed),
            (std::vector<std::string>{"status", "status", "email", "tags", "version", "pk", "l[1]",
                                      "m.x", "a", "b", "c"}));
  EXPECT_EQ(parsed.paths[5].use, PathUse::kExistence);
  EXPECT_EQ(parsed.paths[0].use, PathUse::kRead);
  EXPECT_EQ(parsed.value_placeholders,
            (std::set<std::string>{":a", ":b", ":c", ":d", ":e", ":lo", ":hi", ":f", ":t", ":g"}));
}

TEST(ConditionExpression, KeywordsAreCaseInsensitiveFunctionsAreNot) {
  EXPECT_NO_THROW(
      (void)parse_condition_expression("a = :x aNd b between :y AnD :z or not c in (:w)", {}, "F"));
  EXPECT_THROW((void)parse_condition_expression("Attribute_Exists(a)", {}, "F"), ConfigError);
  EXPECT_THROW((void)parse_condition_expression("unknown_fn(a)", {}, "F"), ConfigError);
}

TEST(ConditionExpression, RejectsMalformedText) {
  for (const char* bad :
       {"", "a", "a =", "= :v", "a = :v AND", "(a = :v", "a = :v)", "a BETWEEN :x", "a IN :x",
        "a IN ()", "attribute_exists(:v)", "a = :v b = :w", "and = :v", "a == :v", "NOT"}) {
    EXPECT_THROW((void)parse_condition_expression(bad, {}, "ConditionExpression"), ConfigError)
        << bad;
  }
}

TEST(ConditionExpression, BoundsNesting) {
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "(";
  deep += "a = :v";
  for (int i = 0; i < 200; ++i) deep += ")";
  EXPECT_THROW((void)parse_condition_expression(deep, {}, "F"), ConfigError);
  std::string nots;
  for (int i = 0; i < 200; ++i) nots += "NOT ";
  EXPECT_THROW((void)parse_condition_expression(nots + "a = :v", {}, "F"), ConfigError);
  EXPECT_NO_THROW((void)parse_condition_expression("((((a = :v))))", {}, "F"));
}

TEST(UpdateExpression, ClassifiesTargetsAndReads) {
  const ExpressionNames names{{"#c", "count"}, {"#d", "dn"}};
  const ParsedExpression parsed = parse_update_expression(
      "SET #c = if_not_exists(#c, :zero) + :one, l = list_append(l, :more), m.x = other "
      "REMOVE old, m.y[3] ADD tally :n DELETE tags :gone",
      names, "UpdateExpression");
  EXPECT_EQ(displayed(parsed), (std::vector<std::string>{"count", "count", "l", "l", "m.x", "other",
                                                         "old", "m.y[3]", "tally", "tags"}));
  EXPECT_EQ(uses(parsed),
            (std::vector<PathUse>{PathUse::kSet, PathUse::kRead, PathUse::kSet, PathUse::kRead,
                                  PathUse::kSet, PathUse::kRead, PathUse::kRemove,
                                  PathUse::kRemove, PathUse::kAdd, PathUse::kDelete}));
}

TEST(UpdateExpression, ClausesInAnyOrderOnceEach) {
  EXPECT_NO_THROW((void)parse_update_expression("remove a set b = :v", {}, "U"));
  EXPECT_NE(config_error_of([] { (void)parse_update_expression("SET a = :v SET b = :w", {}, "U"); })
                .find("more than one SET"),
            std::string::npos);
  for (const char* bad : {"", "a = :v", "SET", "SET a", "SET a = ", "SET a = :v,", "REMOVE",
                          "ADD a", "SET a = b + ", "SET a = nope(b)", "SET a = if_not_exists(:v, a)",
                          "DELETE a :v :w"}) {
    EXPECT_THROW((void)parse_update_expression(bad, {}, "UpdateExpression"), ConfigError) << bad;
  }
}

TEST(NamePlaceholders, FoundInAnyText) {
  EXPECT_EQ(name_placeholders_of("#a = :b AND #c_1.x[2] <> #a"),
            (std::set<std::string>{"#a", "#c_1"}));
  EXPECT_TRUE(name_placeholders_of("a = :b #").empty());
}

TEST(PlaceholderWriter, WritesEveryNameBehindAFreshPlaceholder) {
  const ExpressionNames taken{{"#p0", "x"}, {"#p2", "y"}};
  PlaceholderWriter writer("p", taken);
  const DocumentPath path{{PathElement{"*amzn-ddb-map-sig*", std::nullopt},
                           PathElement{"", std::size_t{4}}, PathElement{"key", std::nullopt}}};
  EXPECT_EQ(writer.write(path), "#p1[4].#p3");
  EXPECT_EQ(writer.write(DocumentPath{{PathElement{"key", std::nullopt}}}), "#p3");
  EXPECT_EQ(writer.names(),
            (ExpressionNames{{"#p1", "*amzn-ddb-map-sig*"}, {"#p3", "key"}}));
  // What it writes parses back to the same paths.
  const ParsedExpression back = parse_projection_expression("#p1[4].#p3", writer.names(), "P");
  EXPECT_EQ(back.paths[0].path, path);
}

}  // namespace
}  // namespace ddbcrypt::internal
