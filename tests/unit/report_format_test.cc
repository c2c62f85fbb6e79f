#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "report/console.h"

namespace parlab {
namespace {

TEST(SummaryTable, ColumnsAreAligned) {
  const std::string text = SummaryTable::Format(
      {{"dgemm size=64", "serial", "1x1", "1.00 ms", "5 GFLOP/s", "-", "-", "yes"},
       {"dgemm size=64", "threads", "1x2", "0.50 ms", "10 GFLOP/s", "2.00", "1.00", "yes"}});
  std::istringstream lines(text);
  std::string header, rule, first, second;
  std::getline(lines, header);
  std::getline(lines, rule);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(header.size(), rule.size());
  // The last column is left-aligned and lines carry no trailing blanks.
  EXPECT_EQ(first.size(), header.size() - std::string("verified").size() + 3);
  EXPECT_NE(first.back(), ' ');
  EXPECT_EQ(header.find("verified"), first.rfind("yes"));
  EXPECT_NE(header.find("speedup"), std::string::npos);
  EXPECT_EQ(rule.find_first_not_of('-'), std::string::npos);
  // Right-aligned numbers end in the same column as their header.
  EXPECT_EQ(header.find("speedup") + 7, second.find("2.00") + 4);
}

TEST(FormatSeconds, PicksReadableUnits) {
  EXPECT_EQ(FormatSeconds(2.5e-9), "2.5 ns");
  EXPECT_EQ(FormatSeconds(3.25e-5), "32.50 us");
  EXPECT_EQ(FormatSeconds(0.0123), "12.30 ms");
  EXPECT_EQ(FormatSeconds(4.0), "4.00 s");
  EXPECT_EQ(FormatSeconds(std::nan("")), "-");
}

}  // namespace
}  // namespace parlab
