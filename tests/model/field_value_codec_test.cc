#include "model/field_value_codec.h"

#include <gtest/gtest.h>

#include <random>

#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "testing/random_item.h"

namespace ddbcrypt::internal {
namespace {

using AV = AttributeValue;

TEST(FieldValueCodec, RoundTripsRandomValuesOfEveryType) {
  std::mt19937_64 rng(20260607);
  for (int i = 0; i < 500; ++i) {
    const AV value = testing::random_value(rng, {.max_depth = 4});
    SCOPED_TRACE(to_json(value));
    EXPECT_EQ(decode_value(encode_value(value)), value);
  }
}

TEST(FieldValueCodec, KeepsNumberSpelling) {
  const AV value = AV::N("42.50");
  EXPECT_EQ(decode_value(encode_value(value)).as_n(), "42.50");
}

TEST(FieldValueCodec, SetMemberOrderDoesNotChangeTheEncoding) {
  EXPECT_EQ(encode_value(AV::SS({"b", "a", "c"})), encode_value(AV::SS({"c", "b", "a"})));
  EXPECT_EQ(encode_value(AV::NS({"10", "2"})), encode_value(AV::NS({"2", "10"})));
  EXPECT_EQ(encode_value(AV::BS({Bytes{2}, Bytes{1}})), encode_value(AV::BS({Bytes{1}, Bytes{2}})));
}

TEST(FieldValueCodec, EncodesScalarsAsDocumented) {
  EXPECT_EQ(hex_encode(encode_value(AV::S("hi"))), "01000000026869");
  EXPECT_EQ(hex_encode(encode_value(AV::N("-1.5"))), "02000000042d312e35");
  EXPECT_EQ(hex_encode(encode_value(AV::B(Bytes{0x00, 0xff}))), "030000000200ff");
  EXPECT_EQ(hex_encode(encode_value(AV::Bool(true))), "0901");
  EXPECT_EQ(hex_encode(encode_value(AV::Bool(false))), "0900");
  EXPECT_EQ(hex_encode(encode_value(AV::Null())), "0a");
  EXPECT_EQ(hex_encode(encode_value(AV::L({}))), "0800000000");
  EXPECT_EQ(hex_encode(encode_value(AV::M({}))), "0700000000");
  EXPECT_EQ(hex_encode(encode_value(AV::M({{"a", AV::Null()}}))), "07000000010000000161" "0a");
}

AV nested(int depth) {
  AV v = AV::S("leaf");
  for (int i = 1; i < depth; ++i) v = AV::L({v});
  return v;
}

TEST(FieldValueCodec, NestingLimitIsDynamoDbs) {
  EXPECT_EQ(decode_value(encode_value(nested(32))), nested(32));
  EXPECT_THROW((void)encode_value(nested(33)), EncryptionError);
  // A forged encoding of 33 levels is refused by the decoder too.
  Bytes deep;
  for (int i = 0; i < 32; ++i) {
    for (std::uint8_t b : {0x08, 0x00, 0x00, 0x00, 0x01}) deep.push_back(b);
  }
  deep.push_back(0x0a);
  EXPECT_THROW((void)decode_value(deep), EncryptionError);
}

TEST(FieldValueCodec, RefusesValuesDynamoDbCannotStore) {
  EXPECT_THROW((void)encode_value(AV::unchecked_set(AV::Type::kSS, {})), EncryptionError);
  EXPECT_THROW((void)encode_value(AV::unchecked_set(AV::Type::kSS, {"a", "a"})), EncryptionError);
}

TEST(FieldValueCodec, DecoderIsStrict) {
  const auto bad = [](std::string_view hex) {
    EXPECT_THROW((void)decode_value(hex_decode(hex)), EncryptionError) << hex;
  };
  bad("");                                   // nothing
  bad("0b");                                 // unknown tag
  bad("00");                                 // tag zero is not used
  bad("0a00");                               // trailing byte
  bad("0902");                               // BOOL other than 0/1
  bad("01000000056869");                     // length past the end
  bad("0400000000");                         // empty SS
  bad("04000000020000000162" "00000001" "61");  // SS out of order
  bad("04000000020000000161" "00000001" "61");  // SS repeated member
  bad("0700000002" "0000000162" "0a" "0000000161" "0a");  // map names out of order
  bad("0700000002" "0000000161" "0a" "0000000161" "0a");  // map name repeated
  bad("05000000010000000178");               // NS member that is not a number
  bad("02000000023132" "00");                // trailing byte after N
  bad("08ffffffff0a");                       // forged count larger than the input
  bad("020000000141");                       // N "A"
}

TEST(FieldValueCodec, EveryTruncationOfAnEncodingIsRefused) {
  const AV value = AV::M({{"a", AV::L({AV::N("1"), AV::SS({"x", "y"}), AV::B(Bytes{1, 2})})},
                          {"b", AV::Bool(true)}});
  const Bytes encoded = encode_value(value);
  for (std::size_t n = 0; n < encoded.size(); ++n) {
    EXPECT_THROW((void)decode_value(ByteView(encoded).first(n)), EncryptionError) << n;
  }
}

TEST(CanonicalNumber, ReducesToDigitsAndExponent) {
  EXPECT_EQ(canonical_number("0"), "0");
  EXPECT_EQ(canonical_number("-0"), "0");
  EXPECT_EQ(canonical_number("0.000"), "0");
  EXPECT_EQ(canonical_number("55"), "55E0");
  EXPECT_EQ(canonical_number("55.00"), "55E0");
  EXPECT_EQ(canonical_number("0055"), "55E0");
  EXPECT_EQ(canonical_number("1E+2"), "1E2");
  EXPECT_EQ(canonical_number("100"), "1E2");
  EXPECT_EQ(canonical_number("-0.010"), "-1E-2");
  EXPECT_EQ(canonical_number("0010.0"), "1E1");
  EXPECT_EQ(canonical_number("123.456e3"), "123456E0");
  EXPECT_THROW((void)canonical_number("abc"), FormatError);
  EXPECT_THROW((void)canonical_number("1E200"), FormatError);
}

TEST(FieldBindingEncoding, NumbersBindByValue) {
  const Item a{{"pk", AV::S("t")}, {"sk", AV::N("55.00")}};
  const Item b{{"pk", AV::S("t")}, {"sk", AV::N("55")}};
  const Item c{{"pk", AV::S("t")}, {"sk", AV::N("56")}};
  EXPECT_EQ(encode_binding("t", "f", a), encode_binding("t", "f", b));
  EXPECT_NE(encode_binding("t", "f", a), encode_binding("t", "f", c));
}

TEST(FieldBindingEncoding, EveryPartMatters) {
  const Item key{{"pk", AV::S("x")}};
  const Bytes base = encode_binding("t", "f", key);
  EXPECT_NE(base, encode_binding("t2", "f", key));
  EXPECT_NE(base, encode_binding("t", "f2", key));
  EXPECT_NE(base, encode_binding("t", "f", Item{{"pk", AV::S("y")}}));
  EXPECT_NE(base, encode_binding("t", "f", Item{{"id", AV::S("x")}}));
  EXPECT_NE(base, encode_binding("t", "f", Item{{"pk", AV::B(to_bytes("x"))}}));
  // Length prefixes keep the boundaries: ("ab","c") differs from ("a","bc").
  EXPECT_NE(encode_binding("ab", "c", key), encode_binding("a", "bc", key));
}

TEST(FieldBindingEncoding, RejectsIncompleteBindings) {
  const Item key{{"pk", AV::S("x")}};
  EXPECT_THROW((void)encode_binding("", "f", key), ConfigError);
  EXPECT_THROW((void)encode_binding("t", "", key), ConfigError);
  EXPECT_THROW((void)encode_binding("t", "f", Item{}), ConfigError);
  EXPECT_THROW((void)encode_binding("t", "f", Item{{"a", AV::S("1")}, {"b", AV::S("2")},
                                                   {"c", AV::S("3")}}),
               ConfigError);
  EXPECT_THROW((void)encode_binding("t", "f", Item{{"pk", AV::M({})}}), ConfigError);
  EXPECT_THROW((void)encode_binding("t", "f", Item{{"", AV::S("1")}}), ConfigError);
}

}  // namespace
}  // namespace ddbcrypt::internal
