// The interface every measured kernel implements, and the table they register in.
// A kernel does the work and checks it; it never writes reports or parses command lines.
// Adding a kernel is one .cc file under kernels/ that ends with
//   PARLAB_REGISTER_KERNEL(MyKernelInfo);
// where MyKernelInfo() returns its KernelInfo (see docs/architecture.md).
#pragma once

#include <mpi.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/params.h"
#include "core/phase_timer.h"
#include "core/samples.h"
#include "core/shape.h"
#include "core/team.h"

namespace parlab {

// What a kernel runs on: the shape's communicator and this rank's threads.
struct RunContext {
  MPI_Comm comm;
  int rank;
  int ranks;
  Team& team;
};

// Work done by one repetition of the whole shape, for rates.
struct Work {
  double amount = 0;         // in `unit`
  std::string unit;          // "flop", "byte", "item"
  std::string rate_unit;     // e.g. "GFLOP/s"
  double rate_scale = 1;     // amount / seconds / rate_scale gives the rate in rate_unit
  // For the roofline (the run against the machine's ceilings): floating-point operations
  // and bytes moved to or from memory by one repetition, all ranks together, as the
  // kernel counts them (compulsory traffic, no write-allocate); 0 when the kernel does
  // none (network and storage bytes are not memory traffic).
  double flops = 0;
  double bytes = 0;
  // The bytes that traffic cycles through (the arrays a repetition sweeps), all ranks
  // together: which memory level's bandwidth is the run's roof. 0: not said (DRAM).
  double working_set_bytes = 0;
};

struct Verification {
  bool passed = false;
  std::string message;
};

// A named figure a kernel computed (pi estimate, final counter value, ...).
struct KernelResult {
  std::string name;
  double value;
  std::string unit;
  std::string description;
  // A count over the kernel's executions since its setup (e.g. lost updates): a run measured
  // in several blocks (each set up anew) reports the sum over its blocks, not the last one.
  bool summed = false;
};

// The result called `name` in `results`, or nullptr.
inline const KernelResult* FindResult(const std::vector<KernelResult>& results,
                                      const std::string& name) {
  for (const KernelResult& result : results)
    if (result.name == name) return &result;
  return nullptr;
}

class Kernel {
 public:
  virtual ~Kernel() = default;
  // Allocates and first-touches data; not timed. Collective over ctx.comm.
  virtual void Setup(const KernelParams& params, RunContext& ctx) = 0;
  // One repetition; phases other than "total" are recorded into `timer`.
  virtual void Run(PhaseTimer& timer) = 0;
  // Checks the last repetition's result; collective, same answer on every rank.
  virtual Verification Verify() = 0;
  virtual Work work() const = 0;
  virtual std::vector<KernelResult> Results() const { return {}; }
  // This rank's part of the kernel's distributed state, for checkpoint I/O stages
  // (io_stage in the config); empty when the kernel has nothing worth checkpointing.
  virtual std::span<const std::byte> CheckpointData() const { return {}; }
  // Text facts about the run (hints in effect, progress mode used, ...), same on all ranks.
  virtual std::map<std::string, std::string> Notes() const { return {}; }
};

// What validation knows about a run when it checks a kernel's parameters.
struct CheckContext {
  Shape shape;
  bool event_loop = false;  // the async model
  int thread_level = MPI_THREAD_MULTIPLE;  // granted by the MPI library
  bool model_lock = false;  // the model's workers share parlab's lock (gil)
};

// A finished run of a kernel, as the kernel's deriver sees it (see ResultDeriver).
struct FinishedRunView {
  const KernelParams& params;
  const std::string& model;
  Shape shape;
  bool ok;  // verified
  const SampleTable& samples;
  const std::vector<KernelResult>& results;  // the kernel's own (Kernel::Results)
};

// Figures a kernel derives from several of its runs (e.g. the io kernel's overlap of a
// nonblocking run against the blocking run of the same shape). One deriver observes every
// run of its kernel in measuring order; it never changes what was measured.
struct DerivedFigures {
  std::vector<KernelResult> results;
  std::map<std::string, std::string> notes;
};
class ResultDeriver {
 public:
  virtual ~ResultDeriver() = default;
  virtual DerivedFigures Derive(const FinishedRunView& run) = 0;
};

using EnvironmentFacts = std::vector<std::pair<std::string, std::string>>;

// A cost a kernel's workers pay to come into being beyond what the models' own threads and
// processes cost (an interpreter to start, say): `parlab primitives` measures and shows it.
struct StartupCost {
  std::string name;         // a JSON key: "multiprocessing_spawn_s"
  std::string description;  // what was timed, and how often
  double seconds = -1;      // the median; < 0 when it could not be measured
  std::string unavailable = {};  // why not, when seconds < 0
};

// What a kernel is bound by: the order `parlab list` shows kernels in.
enum class Bound { kCompute, kMemory, kSynchronisation, kLatency, kCommunication, kIo, kNothing };

struct KernelInfo {
  std::string name = {};
  std::string doc = {};
  std::string size_doc = {};  // what `size` means for this kernel
  std::vector<ParamSpec> params = {};
  std::function<std::unique_ptr<Kernel>()> make = nullptr;
  bool has_event_loop = false;  // can run under the async model
  bool has_checkpoint_state = false;  // CheckpointData() is not empty: io_stage can follow it
  // Runs under a lock of its own (CPython's GIL): models whose workers share parlab's lock
  // are not among its default models (its check refuses them when listed).
  bool own_lock = false;
  // A repetition right after Setup costs what later ones do: Setup first-touches all the
  // memory Run uses, and Run has no first-call cost of its own (no lazy allocation, no
  // interpreter, file or connection to bring up). An interleaved run is set up again for
  // every round; for such a kernel the warm-ups run in its first round only (unless a
  // checkpoint stage follows it).
  bool steady_after_setup = false;
  // Bytes one rank allocates for these parameters on `ranks` ranks (0: negligible).
  std::function<double(const KernelParams&, int ranks)> memory_per_rank = nullptr;
  Bound bound = Bound::kCompute;
  // Refuses, at validation and before any work, parameters the kernel cannot run with this
  // shape: returns the reason, "" when fine. Pure: the same answer on every rank.
  std::function<std::string(const KernelParams&, const CheckContext&)> check = nullptr;
  // Checks what the parameters name on this machine (a directory, say) before any work;
  // "" when fine. Run on every rank; the caller agrees on the first failure.
  std::function<std::string(const KernelParams&)> preflight = nullptr;
  // A feature this run needs that the MPI library lacks (e.g. MPI-4 partitioned
  // communication): the reason, "" when available. The run is then recorded as skipped,
  // with the reason, not failed. Pure: the same answer on every rank.
  std::function<std::string(const KernelParams&)> unavailable = nullptr;
  // Facts probed once per experiment that runs this kernel (collective over the world),
  // stored in the report's environment.
  std::function<EnvironmentFacts(MPI_Comm, const KernelParams&)> probe = nullptr;
  // Start-up costs of this kernel's workers; called by `parlab primitives` on one rank.
  std::function<std::vector<StartupCost>()> startup_costs = nullptr;
  std::function<std::unique_ptr<ResultDeriver>()> make_deriver = nullptr;
  // A small size and parameter overrides the unit and MPI test suites run the kernel with
  // (string parameters named "dir" are pointed at a temporary directory by the tests).
  std::int64_t test_size = 1;
  std::map<std::string, ParamValue> test_params = {};
};

// Kernels in listing order: by what bounds them, then by name.
const std::vector<KernelInfo>& KernelTable();
const KernelInfo* FindKernel(const std::string& name);

// Adds a kernel to the table; used through PARLAB_REGISTER_KERNEL at namespace scope in
// the kernel's own .cc (the kernels library is linked whole, so no registration is lost).
class KernelRegistration {
 public:
  explicit KernelRegistration(KernelInfo (*describe)());
};

#define PARLAB_REGISTER_KERNEL(describe) \
  static const ::parlab::KernelRegistration parlab_registration_##describe(describe)

}  // namespace parlab
