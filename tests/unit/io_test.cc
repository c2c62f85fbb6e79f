#include <gtest/gtest.h>

#include <cmath>

#include "io/hints.h"
#include "io/overlap.h"

namespace parlab {
namespace {

TEST(Overlap, FullyHiddenShorterActivity) {
  // compute 10, io 4, overlapped run takes 10: all 4 s of I/O were hidden.
  const Overlap o = ComputeOverlap(10, 4, 10);
  EXPECT_DOUBLE_EQ(o.hidden_s, 4);
  EXPECT_DOUBLE_EQ(o.vs_smaller, 1.0);
  EXPECT_DOUBLE_EQ(o.vs_larger, 0.4);
}

TEST(Overlap, NoOverlapAndPerfectEqualOverlap) {
  const Overlap none = ComputeOverlap(3, 2, 5);  // sequential: nothing hidden
  EXPECT_DOUBLE_EQ(none.hidden_s, 0);
  EXPECT_DOUBLE_EQ(none.vs_smaller, 0);
  EXPECT_DOUBLE_EQ(none.vs_larger, 0);
  const Overlap equal = ComputeOverlap(5, 5, 5);  // two equal halves fully overlapped
  EXPECT_DOUBLE_EQ(equal.vs_smaller, 1);
  EXPECT_DOUBLE_EQ(equal.vs_larger, 1);
  // The design's formula 1 - (t_ov - max) / min is the same as hidden / min.
  const Overlap partial = ComputeOverlap(8, 2, 9);
  EXPECT_DOUBLE_EQ(partial.vs_smaller, 1 - (9.0 - 8.0) / 2.0);
  EXPECT_DOUBLE_EQ(partial.vs_larger, 1.0 / 8.0);
}

TEST(Overlap, SlowerThanSequentialIsNegativeNotHidden) {
  EXPECT_LT(ComputeOverlap(3, 2, 6).vs_smaller, 0);  // reported as measured, not clamped
}

TEST(Hints, ParsesKeyValuePairs) {
  const auto hints = ParseHints("cb_nodes=1;romio_cb_write=enable;");
  ASSERT_EQ(hints.size(), 2u);
  EXPECT_EQ(hints[0].first, "cb_nodes");
  EXPECT_EQ(hints[0].second, "1");
  EXPECT_EQ(hints[1].second, "enable");
  EXPECT_TRUE(ParseHints("").empty());
  EXPECT_THROW(ParseHints("cb_nodes"), std::invalid_argument);
  EXPECT_THROW(ParseHints("=1"), std::invalid_argument);
}

// Values that crash or corrupt the MPI library are refused at validation (issue 13.4).
TEST(Hints, KnownHintsAreRangeChecked) {
  for (const char* bad : {"cb_nodes=0", "cb_nodes=-5", "cb_nodes=two", "cb_nodes=", "cb_buffer_size=0",
                          "striping_factor=1e3", "romio_cb_write=yes", "collective_buffering=1",
                          "cb_nodes=1;cb_nodes=2"})
    EXPECT_THROW(ParseHints(bad), std::invalid_argument) << bad;
  EXPECT_EQ(ParseHints("cb_nodes=2;romio_cb_write=disable;collective_buffering=true").size(), 3u);
  EXPECT_EQ(ParseHints("some_vendor_hint=anything").size(), 1u);  // unknown hints pass through
  EXPECT_THROW(ParseHints(std::string(300, 'k') + "=1"), std::invalid_argument);
}

}  // namespace
}  // namespace parlab
