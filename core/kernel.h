// The interface every measured kernel implements, and the table they are registered in.
// A kernel does the work and checks it; it never writes reports or parses command lines.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "core/phase_timer.h"
#include "core/team.h"

namespace parlab {

using ParamValue = std::variant<std::int64_t, double, std::string, bool>;

enum class ParamType { kInt, kDouble, kString, kBool };

struct ParamSpec {
  std::string name;
  ParamType type;
  ParamValue default_value;
  std::string doc;
  std::vector<std::string> choices = {};  // allowed values of a string parameter
  double min_value = 0;                   // smallest allowed value of a number
};

// The values of one run: `size` plus every declared parameter (defaults filled in).
class KernelParams {
 public:
  KernelParams() = default;
  KernelParams(std::int64_t size, std::map<std::string, ParamValue> values)
      : size_(size), values_(std::move(values)) {}
  std::int64_t size() const { return size_; }
  std::int64_t Int(const std::string& name) const { return Get<std::int64_t>(name); }
  double Double(const std::string& name) const;
  const std::string& String(const std::string& name) const { return Get<std::string>(name); }
  bool Bool(const std::string& name) const { return Get<bool>(name); }
  const std::map<std::string, ParamValue>& values() const { return values_; }

 private:
  template <class T>
  const T& Get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end() || !std::holds_alternative<T>(it->second))
      throw std::logic_error("kernel parameter '" + name + "' missing or of the wrong type");
    return std::get<T>(it->second);
  }
  std::int64_t size_ = 0;
  std::map<std::string, ParamValue> values_;
};

std::string FormatParamValue(const ParamValue& value);

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
};

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

struct KernelInfo {
  std::string name;
  std::string doc;
  std::string size_doc;  // what `size` means for this kernel
  std::vector<ParamSpec> params;
  std::function<std::unique_ptr<Kernel>()> make;
  bool has_event_loop = false;  // can run under the async model
  // Bytes one rank allocates for these parameters on `ranks` ranks (0: negligible).
  std::function<double(const KernelParams&, int ranks)> memory_per_rank = nullptr;
  // Models this kernel never runs under, each with the reason: left out of a [[run]]'s
  // default models, and an error before any work when listed.
  std::map<std::string, std::string> refused_models = {};
  // Checked for every run before any work: why these parameters cannot run under `model`
  // (one line, naming the key and the bad value), or "" when they can.
  std::function<std::string(const KernelParams&, const std::string& model)> check = nullptr;
};

const std::vector<KernelInfo>& KernelTable();
const KernelInfo* FindKernel(const std::string& name);

}  // namespace parlab
