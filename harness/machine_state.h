// The machine's state between two moments of an experiment, read from the kernel's own
// accounting: how much CPU time the hypervisor took (steal, /proc/stat) and the clock of
// the online CPUs (cpufreq, else /proc/cpuinfo). Recorded for every round (engine.h).
#pragma once

namespace parlab {

struct MachineState {
  double total_ticks = 0;  // every CPU's time in /proc/stat, in clock ticks
  double steal_ticks = 0;
  double cpu_mhz = 0;      // mean over the online CPUs, 0 when unknown
};

// Reads this machine's state now (zeros for what cannot be read).
MachineState ReadMachineState();

// The share of CPU time stolen between two readings, in [0, 1] (0 when unknown).
double StealShare(const MachineState& before, const MachineState& after);

}  // namespace parlab
