// The optional checkpoint stage after each repetition of a compute kernel (io_stage in a
// config): blocking modes write the kernel's state at once; nonblocking ones copy it, post
// it and complete it after the next repetition's compute, progressed meanwhile by the
// automatic method (io/progress.h: a helper thread with MPI_THREAD_MULTIPLE).
#pragma once

#include <mpi.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "harness/run_spec.h"
#include "io/checkpoint.h"

namespace parlab {

class IoStage {
 public:
  // Collective over comm; inactive when the spec has no stage.
  IoStage(const RunSpec& spec, MPI_Comm comm, const Kernel& kernel);

  bool active() const { return file_ != nullptr; }
  // After each repetition's compute, inside its timing.
  void AfterRepetition(PhaseTimer& timer);
  // Completes the previous repetition's nonblocking write.
  void Complete(PhaseTimer& timer);
  // Reads the last checkpoint back; "" when it matches what was written.
  std::string Verify();
  // The progress method of a nonblocking stage (auto: helper or test), "" without a stage.
  std::string ProgressUsed() const;

 private:
  const Kernel& kernel_;
  bool sync_ = false;
  std::unique_ptr<CheckpointFile> file_;
  std::vector<std::byte> snapshot_;
  bool pending_ = false;
};

}  // namespace parlab
