#include "core/samples.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace parlab {

SampleTable::SampleTable(int repetitions, int ranks, std::vector<double> values)
    : repetitions_(repetitions), ranks_(ranks), values_(std::move(values)) {
  if (repetitions < 0 || ranks < 0 ||
      values_.size() != static_cast<std::size_t>(repetitions) * ranks * kColumns)
    throw std::invalid_argument(
        "samples hold " + std::to_string(values_.size()) + " values, not " +
        std::to_string(repetitions) + " repetitions x " + std::to_string(ranks) + " ranks x " +
        std::to_string(kColumns) + " columns");
}

std::vector<double> SampleTable::SlowestPerRepetition(int column) const {
  std::vector<double> slowest(static_cast<std::size_t>(repetitions_), 0.0);
  for (int rep = 0; rep < repetitions_; ++rep)
    for (int rank = 0; rank < ranks_; ++rank)
      slowest[rep] = std::max(slowest[rep], At(rep, rank, column));
  return slowest;
}

std::vector<double> SampleTable::RowsOfRank(int rank) const {
  std::vector<double> rows;
  if (rank < 0 || rank >= ranks_) return rows;
  for (int rep = 0; rep < repetitions_; ++rep)
    for (int c = 0; c < kColumns; ++c) rows.push_back(At(rep, rank, c));
  return rows;
}

}  // namespace parlab
