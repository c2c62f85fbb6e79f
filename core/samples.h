// A run's raw timings: seconds per [repetition][rank][column] (columns: kSampleColumns),
// the record every figure parlab reports is computed from.
#pragma once

#include <cstddef>
#include <vector>

#include "core/phase_timer.h"

namespace parlab {

class SampleTable {
 public:
  SampleTable() = default;
  // `values` holds repetitions x ranks x kColumns seconds; throws std::invalid_argument
  // when its length does not match.
  SampleTable(int repetitions, int ranks, std::vector<double> values);

  int repetitions() const { return repetitions_; }
  int ranks() const { return ranks_; }
  const std::vector<double>& values() const { return values_; }
  double At(int repetition, int rank, int column) const {
    return values_[(static_cast<std::size_t>(repetition) * ranks_ + rank) * kColumns + column];
  }
  // Per repetition, the slowest rank's value of `column` (column 0: the cell time).
  std::vector<double> SlowestPerRepetition(int column) const;
  // One rank's [repetition][column] rows (empty for a rank outside the run).
  std::vector<double> RowsOfRank(int rank) const;

 private:
  int repetitions_ = 0;
  int ranks_ = 0;
  std::vector<double> values_;
};

}  // namespace parlab
