// Conditions: rendering with placeholders, precedence by parentheses, operand conversion and
// the list of compared attributes used to refuse comparisons on encrypted fields.
#include "ddbcrypt/model/condition.h"

#include <gtest/gtest.h>

#include "ddbcrypt/error.h"

namespace ddbcrypt::model {
namespace {

using AV = AttributeValue;

TEST(Condition, RendersEveryOperatorWithPlaceholders) {
  ExpressionAttributes a;
  const Condition c = attr("status") == "active" && attr("age").between(18, 65) &&
                      !attr("deleted").exists() && attr("tags").contains("vip") &&
                      attr("name").begins_with("Al") && attr("plan").in({"free", "pro"}) &&
                      attr("score") >= 1.5 && attr("n") != 0 && attr("x") < 1 &&
                      attr("y") <= 2 && attr("z") > 3 && attr("gone").not_exists();
  const std::string text = c.render(a);
  EXPECT_EQ(text,
            "(((((((((((#n0 = :v0) AND (#n1 BETWEEN :v1 AND :v2)) AND (NOT "
            "(attribute_exists(#n2)))) AND (contains(#n3, :v3))) AND (begins_with(#n4, :v4))) "
            "AND (#n5 IN (:v5, :v6))) AND (#n6 >= :v7)) AND (#n7 <> :v8)) AND (#n8 < :v9)) AND "
            "(#n9 <= :v10)) AND (#n10 > :v11)) AND (attribute_not_exists(#n11))");
  EXPECT_EQ(a.names().at("#n0"), "status");
  EXPECT_EQ(a.values().at(":v0"), AV::S("active"));
  EXPECT_EQ(a.values().at(":v1"), AV::N("18"));
  EXPECT_EQ(a.values().at(":v7"), AV::N("1.5"));
  EXPECT_EQ(a.values().at(":v6"), AV::S("pro"));
}

TEST(Condition, OrAndNotKeepTheTreeShape) {
  ExpressionAttributes a;
  const Condition c = (attr("a") == 1 || attr("b") == 2) && !(attr("c") == 3);
  EXPECT_EQ(c.render(a), "((#n0 = :v0) OR (#n1 = :v1)) AND (NOT (#n2 = :v2))");
}

TEST(Condition, ReusesNamePlaceholdersAcrossExpressionsOfOneRequest) {
  ExpressionAttributes a;
  EXPECT_EQ((attr("pk") == "x").render(a), "#n0 = :v0");
  EXPECT_EQ((attr("pk").exists() && attr("sk") == 1).render(a),
            "(attribute_exists(#n0)) AND (#n1 = :v1)");
  EXPECT_EQ(a.names().size(), 2u);
  EXPECT_EQ(a.values().size(), 2u);
}

TEST(Condition, NestedPathsAndNamesThatNeedEscaping) {
  ExpressionAttributes a;
  const Condition c = attr("address").member("city") == "Paris" && attr("tags").index(2) == "x" &&
                      attr("a.b") == 1 && attr("size") == 1;
  EXPECT_EQ(c.render(a), "(((#n0.#n1 = :v0) AND (#n2[2] = :v1)) AND (#n3 = :v2)) AND (#n4 = :v3)");
  EXPECT_EQ(a.names().at("#n3"), "a.b");
  EXPECT_EQ(a.names().at("#n4"), "size");
}

TEST(Condition, ConvertsOperandsAsMembersAre) {
  ExpressionAttributes a;
  const TimePoint t{std::chrono::seconds(86400)};
  (void)(attr("b") == Bytes{1, 2} && attr("t") == t && attr("f") == true &&
         attr("o") == std::optional<int>() && attr("v") == AV::SS({"a"}))
      .render(a);
  EXPECT_EQ(a.values().at(":v0"), AV::B(Bytes{1, 2}));
  EXPECT_EQ(a.values().at(":v1"), AV::S("1970-01-02T00:00:00+00:00"));
  EXPECT_EQ(a.values().at(":v2"), AV::Bool(true));
  EXPECT_EQ(a.values().at(":v3"), AV::Null());
  EXPECT_EQ(a.values().at(":v4"), AV::SS({"a"}));
}

TEST(Condition, ListsTheAttributesItComparesWithValues) {
  const Condition c = attr("ssn") == "x" && attr("email").exists() &&
                      !(attr("card").member("last4") == "1234") && attr("gone").not_exists() &&
                      (attr("n").between(1, 2) || attr("s").begins_with("p"));
  EXPECT_EQ(c.compared_attributes(), (std::vector<std::string>{"ssn", "card", "n", "s"}));
}

TEST(Condition, InNeedsOneToOneHundredCandidates) {
  EXPECT_THROW((void)attr("a").in(std::initializer_list<int>{}), ConfigError);
  EXPECT_NO_THROW((void)attr("a").in({1}));
}

}  // namespace
}  // namespace ddbcrypt::model
