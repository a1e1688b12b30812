#include <gtest/gtest.h>

#include "ddbcrypt/encryptor/item_encryptor.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt {
namespace {

TEST(CryptoActionNames, ParseBothSpellingsAndPrintVectorSpelling) {
  EXPECT_EQ(parse_action("encrypt"), CryptoAction::kEncryptAndSign);
  EXPECT_EQ(parse_action("ENCRYPT_AND_SIGN"), CryptoAction::kEncryptAndSign);
  EXPECT_EQ(parse_action("sign"), CryptoAction::kSignOnly);
  EXPECT_EQ(parse_action("SIGN_ONLY"), CryptoAction::kSignOnly);
  EXPECT_EQ(parse_action("nothing"), CryptoAction::kDoNothing);
  EXPECT_EQ(parse_action("DO_NOTHING"), CryptoAction::kDoNothing);
  for (auto a : {CryptoAction::kDoNothing, CryptoAction::kSignOnly, CryptoAction::kEncryptAndSign}) {
    EXPECT_EQ(parse_action(action_name(a)), a);
  }
  for (const char* bad : {"", "Encrypt", "encrypt_and_sign", "none", "sign "}) {
    EXPECT_THROW((void)parse_action(bad), ConfigError) << bad;
  }
}

TEST(AttributeActions, DefaultAndOverrides) {
  const auto actions = AttributeActions::create(
      CryptoAction::kSignOnly, {{"a", CryptoAction::kEncryptAndSign}, {"b", CryptoAction::kDoNothing}});
  EXPECT_EQ(actions.action("a"), CryptoAction::kEncryptAndSign);
  EXPECT_EQ(actions.action("b"), CryptoAction::kDoNothing);
  EXPECT_EQ(actions.action("c"), CryptoAction::kSignOnly);
  EXPECT_EQ(AttributeActions::create().default_action(), CryptoAction::kEncryptAndSign);
}

TEST(AttributeActions, RejectsReservedNames) {
  for (std::string_view name : {kSignatureAttribute, kMaterialDescriptionAttribute}) {
    EXPECT_THROW((void)AttributeActions::create(CryptoAction::kEncryptAndSign,
                                                {{std::string(name), CryptoAction::kDoNothing}}),
                 ConfigError);
  }
}

TEST(AttributeActions, WithPrimaryKeysLowersEncryptDefault) {
  const auto lowered = AttributeActions::create().with_primary_keys("pk", std::string("sk"));
  EXPECT_EQ(lowered.action("pk"), CryptoAction::kSignOnly);
  EXPECT_EQ(lowered.action("sk"), CryptoAction::kSignOnly);
  EXPECT_EQ(lowered.action("other"), CryptoAction::kEncryptAndSign);

  const auto sign_default =
      AttributeActions::create(CryptoAction::kDoNothing, {{"pk", CryptoAction::kSignOnly}})
          .with_primary_keys("pk", std::nullopt);
  EXPECT_EQ(sign_default.action("pk"), CryptoAction::kSignOnly);
  const auto nothing_default =
      AttributeActions::create(CryptoAction::kDoNothing).with_primary_keys("pk", std::nullopt);
  EXPECT_EQ(nothing_default.action("pk"), CryptoAction::kDoNothing);
  EXPECT_TRUE(nothing_default.is_noop());

  EXPECT_THROW((void)AttributeActions::create(CryptoAction::kSignOnly,
                                              {{"pk", CryptoAction::kEncryptAndSign}})
                   .with_primary_keys("pk", std::nullopt),
               ConfigError);
}

TEST(AttributeActions, NoopAndMayEncrypt) {
  EXPECT_TRUE(AttributeActions::create(CryptoAction::kDoNothing).is_noop());
  EXPECT_FALSE(AttributeActions::create(CryptoAction::kDoNothing, {{"x", CryptoAction::kSignOnly}})
                   .is_noop());
  EXPECT_FALSE(AttributeActions::create(CryptoAction::kSignOnly).is_noop());
  EXPECT_FALSE(AttributeActions::create(CryptoAction::kSignOnly).may_encrypt());
  EXPECT_TRUE(AttributeActions::create(CryptoAction::kSignOnly, {{"x", CryptoAction::kEncryptAndSign}})
                  .may_encrypt());
}

}  // namespace
}  // namespace ddbcrypt
