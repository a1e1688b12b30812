#include "ddbcrypt/crypto/secret_bytes.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <type_traits>

#include "crypto/crypto_test_support.h"

namespace ddbcrypt {
namespace {

using testing::as_text;

static_assert(!std::is_copy_constructible_v<SecretBytes>,
              "a second copy of a secret must be asked for with clone()");
static_assert(!std::is_copy_assignable_v<SecretBytes>);
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);

TEST(SecretBytes, DefaultIsEmpty) {
  const SecretBytes s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.size(), 0u);
}

TEST(SecretBytes, CopyOfHoldsTheBytes) {
  const SecretBytes s = SecretBytes::copy_of(as_bytes("key material"));
  EXPECT_EQ(as_text(s), "key material");
}

TEST(SecretBytes, ZeroedIsAllZero) {
  const SecretBytes s = SecretBytes::zeroed(40);
  ASSERT_EQ(s.size(), 40u);
  for (std::uint8_t b : s.expose_secret()) EXPECT_EQ(b, 0);
}

TEST(SecretBytes, RandomHasTheSizeAndDiffersEachTime) {
  std::set<Bytes> seen;
  for (int i = 0; i < 16; ++i) {
    const SecretBytes s = SecretBytes::random(32);
    ASSERT_EQ(s.size(), 32u);
    seen.insert(Bytes(s.expose_secret().begin(), s.expose_secret().end()));
  }
  EXPECT_EQ(seen.size(), 16u);
  EXPECT_TRUE(SecretBytes::random(0).empty());
}

TEST(SecretBytes, CloneIsDeep) {
  const SecretBytes a = SecretBytes::copy_of(as_bytes("abc"));
  SecretBytes b = a.clone();
  EXPECT_TRUE(a == b);
  b.expose_secret_mutable()[0] = 'x';
  EXPECT_FALSE(a == b);
  EXPECT_EQ(as_text(a), "abc");
}

TEST(SecretBytes, MoveLeavesTheSourceEmpty) {
  SecretBytes a = SecretBytes::copy_of(as_bytes("abc"));
  const SecretBytes b = std::move(a);
  EXPECT_EQ(as_text(b), "abc");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the state is what is tested
}

TEST(SecretBytes, EqualityComparesSizeAndEveryByte) {
  const SecretBytes a = SecretBytes::copy_of(as_bytes("abcdef"));
  EXPECT_TRUE(a == SecretBytes::copy_of(as_bytes("abcdef")));
  EXPECT_FALSE(a == SecretBytes::copy_of(as_bytes("abcde")));
  EXPECT_FALSE(a == SecretBytes::copy_of(as_bytes("abcdefg")));
  for (std::size_t i = 0; i < a.size(); ++i) {
    SecretBytes b = a.clone();
    b.expose_secret_mutable()[i] ^= 0x80;
    EXPECT_FALSE(a == b) << i;
  }
  EXPECT_TRUE(SecretBytes() == SecretBytes::zeroed(0));
}

TEST(SecretBytes, TruncateKeepsThePrefix) {
  SecretBytes s = SecretBytes::copy_of(as_bytes("0123456789"));
  s.truncate(20);
  EXPECT_EQ(as_text(s), "0123456789");
  s.truncate(4);
  EXPECT_EQ(as_text(s), "0123");
  s.truncate(0);
  EXPECT_TRUE(s.empty());
}

TEST(SecretBytes, PrintsOnlyItsSize) {
  std::ostringstream out;
  out << SecretBytes::copy_of(as_bytes("hunter2"));
  EXPECT_EQ(out.str(), "SecretBytes(7 bytes)");
}

TEST(SecretBytes, SecureWipeZeroesTheBuffer) {
  std::uint8_t buffer[32];
  for (std::size_t i = 0; i < sizeof(buffer); ++i) buffer[i] = static_cast<std::uint8_t>(i + 1);
  detail::secure_wipe(buffer, sizeof(buffer));
  for (std::uint8_t b : buffer) EXPECT_EQ(b, 0);
  detail::secure_wipe(nullptr, 0);  // allowed: empty secrets have no storage
}

}  // namespace
}  // namespace ddbcrypt
