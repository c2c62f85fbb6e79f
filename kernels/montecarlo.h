// Pi by Monte-Carlo. Sample i's point comes from a counter-based generator keyed by
// (seed, i), so the estimate depends only on the total sample count, never on how the
// samples are split over ranks and threads.
#pragma once
#include <cstdint>

namespace parlab {

// Number of samples with global index in [begin, end) that fall inside the unit circle.
std::uint64_t CountInside(std::uint64_t seed, std::uint64_t begin, std::uint64_t end);

}  // namespace parlab
