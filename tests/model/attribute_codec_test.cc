// Attribute codecs: the stored form of every member type, time points in both formats (as
// pydynox's DatetimeAttribute and TTLAttribute write them), NULL and absence, range and type
// errors, and a custom codec.
#include "ddbcrypt/model/attribute_codec.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>

namespace ddbcrypt::model {
namespace {

using AV = AttributeValue;
using namespace std::chrono;

enum class Plan { kFree, kPro };

}  // namespace

template <>
struct AttributeCodec<Plan> {
  static AttributeValue encode(const Plan& p) { return AV::S(p == Plan::kPro ? "pro" : "free"); }
  static Plan decode(const AttributeValue& v) {
    if (v.as_s() == "pro") return Plan::kPro;
    if (v.as_s() == "free") return Plan::kFree;
    throw FormatError("unknown plan");
  }
};

namespace {

template <class M>
M round_trip(const M& value, TimeFormat tf = TimeFormat::kIso8601) {
  const auto stored = encode_member(value, tf);
  EXPECT_TRUE(stored.has_value());
  return decode_member<M>(*stored, tf);
}

TEST(AttributeCodec, ScalarsUseTheNativeMapping) {
  EXPECT_EQ(encode_member(std::string("x")), AV::S("x"));
  EXPECT_EQ(encode_member(std::string()), AV::S(""));
  EXPECT_EQ(encode_member(42), AV::N("42"));
  EXPECT_EQ(encode_member(std::numeric_limits<std::uint64_t>::max()), AV::N("18446744073709551615"));
  EXPECT_EQ(encode_member(0.1), AV::N("0.1"));
  EXPECT_EQ(encode_member(0.1f), AV::N("0.1"));
  EXPECT_EQ(encode_member(true), AV::Bool(true));
  EXPECT_EQ(encode_member(Bytes{1, 2}), AV::B(Bytes{1, 2}));
  EXPECT_EQ(encode_member(AV::Null()), AV::Null());
  EXPECT_EQ(round_trip(std::numeric_limits<std::int64_t>::min()), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(round_trip(-2.5e-100), -2.5e-100);
  EXPECT_THROW((void)encode_member(-2.5e-300), FormatError);  // below DynamoDB's 1E-130
  EXPECT_THROW((void)encode_member(std::numeric_limits<double>::quiet_NaN()), FormatError);
}

TEST(AttributeCodec, EmptyOptionalsAndSetsAreNotStoredAndNullInsideContainers) {
  EXPECT_EQ(encode_member(std::optional<int>()), std::nullopt);
  EXPECT_EQ(encode_member(std::set<std::string>()), std::nullopt);
  EXPECT_EQ(encode_member(std::optional<int>(5)), AV::N("5"));
  EXPECT_EQ(encode_member(std::vector<std::optional<int>>{1, std::nullopt}),
            AV::L({AV::N("1"), AV::Null()}));
  EXPECT_EQ(encode_member(std::map<std::string, std::set<int>>{{"a", {}}}),
            AV::M({{"a", AV::Null()}}));
  EXPECT_EQ(decode_member<std::optional<int>>(AV::Null()), std::nullopt);
  EXPECT_EQ(decode_member<std::set<int>>(AV::Null()), std::set<int>{});
  EXPECT_EQ((decode_member<std::map<std::string, std::set<int>>>(AV::M({{"a", AV::Null()}}))),
            (std::map<std::string, std::set<int>>{{"a", {}}}));
}

TEST(AttributeCodec, ContainersRoundTrip) {
  const std::map<std::string, std::vector<std::set<std::string>>> nested{{"k", {{"a", "b"}, {"c"}}}};
  EXPECT_EQ(round_trip(nested), nested);
  EXPECT_EQ(encode_member(std::set<int>{3, 1}), AV::NS({"1", "3"}));
  EXPECT_EQ(round_trip(std::set<Bytes>{{1}, {2}}), (std::set<Bytes>{{1}, {2}}));
  EXPECT_EQ(round_trip(std::vector<TimePoint>{TimePoint(seconds(5))}), std::vector<TimePoint>{TimePoint(seconds(5))});
}

TEST(AttributeCodec, TimePointsAreWrittenAsPydynoxWritesThem) {
  const TimePoint t = sys_days(year(2024) / 5 / 1) + hours(12) + minutes(30) + milliseconds(250);
  EXPECT_EQ(encode_member(t), AV::S("2024-05-01T12:30:00.250000+00:00"));
  EXPECT_EQ(encode_member(TimePoint(sys_days(year(2024) / 5 / 1))), AV::S("2024-05-01T00:00:00+00:00"));
  // Finer than a microsecond is dropped, as Python's datetime cannot hold it.
  EXPECT_EQ(encode_member(t + nanoseconds(999)), AV::S("2024-05-01T12:30:00.250000+00:00"));
  EXPECT_EQ(encode_member(t, TimeFormat::kEpochSeconds), AV::N("1714566600"));
  // Before 1970, toward zero like int(dt.timestamp()).
  EXPECT_EQ(encode_member(TimePoint(milliseconds(-1500)), TimeFormat::kEpochSeconds), AV::N("-1"));
  const TimePoint old = sys_days(year(1900) / 2 / 28) + hours(23) + microseconds(1);
  EXPECT_EQ(encode_member(old), AV::S("1900-02-28T23:00:00.000001+00:00"));
  EXPECT_EQ(round_trip(old), old);
}

TEST(AttributeCodec, TimePointsAreReadInEitherForm) {
  const TimePoint t = sys_days(year(2024) / 5 / 1) + hours(12) + minutes(30) + milliseconds(250);
  EXPECT_EQ(decode_member<TimePoint>(AV::S("2024-05-01T12:30:00.250000+00:00")), t);
  EXPECT_EQ(decode_member<TimePoint>(AV::S("2024-05-01T12:30:00.25Z")), t);
  EXPECT_EQ(decode_member<TimePoint>(AV::S("2024-05-01T14:30:00.25+02:00")), t);
  EXPECT_EQ(decode_member<TimePoint>(AV::S("2024-05-01T10:00:00.25-02:30")), t);
  EXPECT_EQ(decode_member<TimePoint>(AV::S("2024-05-01 12:30:00.250")), t);  // naive: UTC
  EXPECT_EQ(decode_member<TimePoint>(AV::S("2024-05-01T12:30:00.123456789Z")),
            TimePoint(sys_days(year(2024) / 5 / 1) + hours(12) + minutes(30) + nanoseconds(123456789)));
  EXPECT_EQ(decode_member<TimePoint>(AV::N("1714566600")), t - milliseconds(250));
  EXPECT_EQ(decode_member<TimePoint>(AV::N("1.7145666E9")), TimePoint(seconds(1714566600)));
  EXPECT_EQ(decode_member<TimePoint>(AV::N("1714566600.5"), TimeFormat::kEpochSeconds),
            TimePoint(milliseconds(1714566600500)));
  for (const char* bad : {"2024-05-01", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z",
                          "2024-05-01T24:00:00Z", "2024-05-01T12:30:00.Z", "2024-05-01T12:30:00+2",
                          "2024-05-01T12:30:00.1234567890Z", "2024-05-01T12:30:00Zjunk", "x"}) {
    EXPECT_THROW((void)decode_member<TimePoint>(AV::S(bad)), FormatError) << bad;
  }
  EXPECT_THROW((void)decode_member<TimePoint>(AV::N("1E20")), FormatError);
  EXPECT_THROW((void)decode_member<TimePoint>(AV::S("2024-05-01T12:30:00Z"), TimeFormat::kEpochSeconds),
               FormatError);
}

TEST(AttributeCodec, WrongTypesAndRangesAreFormatErrorsWithoutTheValue) {
  try {
    (void)decode_member<int>(AV::S("secret-text"));
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()).find("secret-text"), std::string::npos);
  }
  EXPECT_THROW((void)decode_member<std::uint8_t>(AV::N("256")), FormatError);
  EXPECT_THROW((void)decode_member<int>(AV::N("1.5")), FormatError);
  EXPECT_THROW((void)decode_member<std::vector<int>>(AV::SS({"a"})), FormatError);
}

TEST(AttributeCodec, CustomCodecsAreUsedEverywhere) {
  EXPECT_EQ(encode_member(Plan::kPro), AV::S("pro"));
  EXPECT_EQ(round_trip(std::vector<Plan>{Plan::kFree, Plan::kPro}), (std::vector<Plan>{Plan::kFree, Plan::kPro}));
  EXPECT_EQ(decode_member<std::optional<Plan>>(AV::Null()), std::nullopt);
  EXPECT_THROW((void)decode_member<Plan>(AV::S("gold")), FormatError);
  static_assert(detail::kIsModelValue<Plan>);
  static_assert(!detail::kIsModelValue<std::set<Plan>>);
  static_assert(!detail::kIsModelValue<const char*>);
  static_assert(detail::kIsKeyValue<TimePoint> && !detail::kIsKeyValue<bool>);
}

}  // namespace
}  // namespace ddbcrypt::model
