// The noise floor: how large a difference this machine can resolve right now, from an A/A
// comparison (the experiment's first baseline run measured twice, interleaved). Its 95 %
// interval of the ratio A/B should contain 1; how far it reaches from 1 is the smallest
// speedup or slowdown a comparison of this length can tell from noise.
#pragma once

#include <string>

#include "harness/environment.h"
#include "harness/intervals.h"
#include "harness/run_spec.h"

namespace parlab {

struct NoiseFloor {
  std::string run;  // what was measured twice: "label model shape"
  int rounds = 0;
  Interval ratio;   // A / B
  // The largest distance of the interval's ends from 1.
  double Resolvable() const;
};

// At least this many rounds, whatever the run's repetitions: fewer give no 95 % interval.
inline constexpr int kNoiseFloorRounds = 10;

// The A/A pair for `runs`: copies of the first baseline run (else the first run), each
// measured kNoiseFloorRounds times, one repetition per round, without a precision target.
std::pair<RunSpec, RunSpec> NoiseFloorPair(const std::vector<RunSpec>& runs);

// Records the floor as /environment attributes (noise_floor_*), with a warning when it
// is wider than a precision some run asks for (also printed on stderr by world rank 0).
void AddNoiseFloor(const NoiseFloor& floor, const Experiment& experiment, Environment& env,
                   bool print);

}  // namespace parlab
