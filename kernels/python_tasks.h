// The python kernel's built-in tasks: their Python source, how their items reach the
// workers, where their off-CPU time is accounted, and the file_read task's scratch file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "core/phase_timer.h"

namespace parlab::python {

// The kernel's parameters (task, its inputs, the GIL's switch interval, the user's module).
std::vector<ParamSpec> TaskParams();

// At validation, for every run: why these parameters cannot run so (names, the model's
// kind), or "". Pure.
std::string CheckTaskParams(const KernelParams& params, const CheckContext& context);

// Before any work, on every rank: the user's file and the scratch directory, or "".
std::string PreflightTaskParams(const KernelParams& params);

// The interpreter's start and multiprocessing's fork and spawn workers, timed on the
// calling rank (for `parlab primitives`); a part that cannot run says why.
std::vector<StartupCost> MeasureStartupCosts();

// Bytes of buffers one rank allocates (native's buffer, file_read's reads).
double TaskMemoryPerRank(const KernelParams& params, int ranks);

enum class Task { kCount, kLockedCounter, kUnlockedCounter, kSleep, kFileRead, kNative, kUser };
constexpr EnumNames<Task, 7> kTaskNames{{{{Task::kCount, "count"},
                                          {Task::kLockedCounter, "locked_counter"},
                                          {Task::kUnlockedCounter, "unlocked_counter"},
                                          {Task::kSleep, "sleep"},
                                          {Task::kFileRead, "file_read"},
                                          {Task::kNative, "native"},
                                          {Task::kUser, "user"}}}};

// Pair tasks are the seeds' two groups of workers (count up / count down, add / subtract):
// a call gets (ups, downs), the loop lengths of its worker, as the counter kernel splits
// them. Every other task gets a [begin, end) range of the items.
bool IsPairTask(Task task);

// What a run's task is given (from the kernel's parameters).
struct TaskInputs {
  Task task = Task::kCount;
  long long n = 0;  // the run's size
  double sleep_s = 0;
  std::int64_t read_bytes = 0;
  std::string native;  // sha256 | zlib
  std::int64_t native_bytes = 0;
  std::string function;  // the Python function (or coroutine) called
};

// A repetition's figures, summed over the ranks.
struct Totals {
  long long done = 0;           // items done, or the ups of pair tasks
  long long false_returns = 0;  // user task: calls that returned False
  long long counter = 0;        // counter tasks: the counters summed
  long long lost = 0;           // counter tasks: sum over ranks of |counter - expected|
  double value = 0;             // downs, bytes or digests verified; shortest sleep (minimum)
  double returned_sum = 0;      // user task: the numbers its calls returned
};

// The harness's verification of a repetition, and the work of one, for rates.
Verification VerifyTotals(const TaskInputs& in, const Totals& totals);
Work TaskWork(const TaskInputs& in);

// One call of a task's function: (ups, downs) for pair tasks, [begin, end) otherwise.
struct Call {
  long long a = 0;
  long long b = 0;
};

// The calls of `rank`'s `units` workers (threads, or coroutines) when `n` items are split
// over the ranks, then over each rank's units.
std::vector<Call> SplitCalls(Task task, long long n, int rank, int ranks, int units);

// Where the part of a call's wall time its thread spent off the CPU goes: lock_wait for
// CPU-bound tasks (waiting for the GIL), wait for sleeps and user code, io for reads.
Phase OffCpuPhase(Task task);

// The built-in task's function in kTasksSource: its plain or coroutine (async def) form.
std::string BuiltinFunction(Task task, const std::string& count_loop, bool coroutine);

// Module source of the built-in tasks; configure(...) sets their inputs.
extern const char* const kTasksSource;

// The byte at `offset` of the file_read task's file (the Python side checks the same).
inline unsigned char PatternByte(std::int64_t offset) {
  return static_cast<unsigned char>((offset * 131 + 7) & 0xff);
}

// A file of `bytes` pattern bytes, created in `dir` under an unpredictable name with
// O_CREAT | O_EXCL | O_NOFOLLOW (mode 0600) and unlinked as soon as it is written: only
// the descriptor keeps it, so no path (error, crash, abandoned run) leaves it behind.
class ScratchFile {
 public:
  ScratchFile() = default;
  ScratchFile(const std::string& dir, std::int64_t bytes);  // throws, naming the path
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  ScratchFile(ScratchFile&& other) noexcept;
  ScratchFile& operator=(ScratchFile&& other) noexcept;
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

}  // namespace parlab::python
