#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

#include "core/huge_page_buffer.h"

TEST(HugePageBuffer, ZeroFilledWritableAndAlignedToHugePages) {
  const std::size_t bytes = (std::size_t(5) << 20) + 123;  // not a whole number of huge pages
  nilm::HugePageBuffer b(bytes);
  ASSERT_EQ(b.size(), bytes);
  ASSERT_NE(b.data(), nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.data()) % (std::size_t(2) << 20), 0u);
  EXPECT_TRUE(std::all_of(b.data(), b.data() + bytes, [](std::uint8_t v) { return v == 0; }));
  for (std::size_t i = 0; i < bytes; i += 4093) b.data()[i] = std::uint8_t(i % 251 + 1);
  b.data()[bytes - 1] = 7;
  nilm::HugePageBuffer moved = std::move(b);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.data(), nullptr);
  ASSERT_EQ(moved.size(), bytes);
  for (std::size_t i = 0; i < bytes; i += 4093) EXPECT_EQ(moved.data()[i], std::uint8_t(i % 251 + 1));
  EXPECT_EQ(moved.data()[bytes - 1], 7);
  nilm::HugePageBuffer other(1);
  other = std::move(moved);  // frees other's page, takes moved's
  EXPECT_EQ(other.size(), bytes);
  EXPECT_EQ(other.data()[bytes - 1], 7);
}

TEST(HugePageBuffer, EmptyHasNoMemory) {
  nilm::HugePageBuffer b(0);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.data(), nullptr);
}
