#include "kernels/python_tasks.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

namespace parlab::python {

namespace {

struct TaskFacts {
  Task task;
  const char* function;  // "" for the user's task
  Phase off_cpu;
};

constexpr TaskFacts kTasks[] = {
    {Task::kCount, "count_", Phase::kLockWait},
    {Task::kLockedCounter, "locked_counter", Phase::kLockWait},
    {Task::kUnlockedCounter, "unlocked_counter", Phase::kLockWait},
    {Task::kSleep, "sleep", Phase::kWait},
    {Task::kFileRead, "file_read", Phase::kIo},
    {Task::kNative, "native", Phase::kLockWait},
    {Task::kUser, "", Phase::kWait},
};

// Closed sets of strings handed to the Python side as they are.
enum class CountLoop { kUpDown, kPass };
constexpr EnumNames<CountLoop, 2> kCountLoops{{{{CountLoop::kUpDown, "updown"},
                                                {CountLoop::kPass, "pass"}}}};
enum class Native { kSha256, kZlib };
constexpr EnumNames<Native, 2> kNatives{{{{Native::kSha256, "sha256"}, {Native::kZlib, "zlib"}}}};

const TaskFacts& Facts(Task task) {
  for (const TaskFacts& facts : kTasks)
    if (facts.task == task) return facts;
  throw std::logic_error("unknown python task");
}

std::string Hex(const unsigned char* bytes, std::size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

void WriteAll(int fd, const std::string& path, std::int64_t bytes) {
  std::vector<unsigned char> chunk(1 << 16);
  for (std::int64_t offset = 0; offset < bytes;) {
    const auto size = static_cast<std::size_t>(
        std::min<std::int64_t>(static_cast<std::int64_t>(chunk.size()), bytes - offset));
    for (std::size_t i = 0; i < size; ++i)
      chunk[i] = PatternByte(offset + static_cast<std::int64_t>(i));
    const ssize_t written = ::write(fd, chunk.data(), size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0)
      throw std::runtime_error("python: file_read: cannot write " + path + ": " +
                               std::strerror(errno));
    offset += written;
  }
}

bool IsIdentifier(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string CheckUserTask(const KernelParams& params, bool async) {
  if (params.String("module").empty()) return "task = 'user' needs module = \"path/to/file.py\"";
  const char* key = async ? "coroutine" : "function";
  const std::string& name = params.String(key);
  if (name.empty())
    return async ? "model 'async' runs coroutines: task = 'user' needs coroutine = \"name\" "
                   "(an async def name(begin, end) in the module)"
                 : "task = 'user' needs function = \"name\" (a def name(begin, end) in the "
                   "module)";
  if (!IsIdentifier(name)) return fmt::format("{} = '{}' is not a Python identifier", key, name);
  return "";
}

std::string PreflightModule(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return fmt::format("module = '{}': {}", path, std::strerror(errno));
  if (!S_ISREG(info.st_mode)) return fmt::format("module = '{}' is not a regular file", path);
  if (path.size() < 4 || path.compare(path.size() - 3, 3, ".py") != 0)
    return fmt::format("module = '{}' is not a Python source file (its name must end in .py)",
                       path);
  if (::access(path.c_str(), R_OK) != 0)
    return fmt::format("module = '{}' cannot be read: {}", path, std::strerror(errno));
  return "";
}

}  // namespace

bool IsPairTask(Task task) {
  return task == Task::kCount || task == Task::kLockedCounter || task == Task::kUnlockedCounter;
}

Phase OffCpuPhase(Task task) { return Facts(task).off_cpu; }

std::string BuiltinFunction(Task task, const std::string& count_loop, bool coroutine) {
  std::string name = Facts(task).function;
  if (task == Task::kCount) name += count_loop;
  return coroutine ? name + "_async" : name;
}

ScratchFile::ScratchFile(const std::string& dir, std::int64_t bytes) {
  std::string path;
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    unsigned char random[12];
    if (getrandom(random, sizeof random, 0) != static_cast<ssize_t>(sizeof random))
      throw std::runtime_error(std::string("python: file_read: getrandom: ") +
                               std::strerror(errno));
    path = dir + "/parlab-python-" + Hex(random, sizeof random) + ".dat";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd_ < 0 && errno != EEXIST)
      throw std::runtime_error("python: file_read: cannot create " + path + ": " +
                               std::strerror(errno));
  }
  if (fd_ < 0) throw std::runtime_error("python: file_read: no free file name in " + dir);
  try {
    WriteAll(fd_, path, bytes);
  } catch (...) {
    ::unlink(path.c_str());
    ::close(fd_);
    fd_ = -1;
    throw;
  }
  ::unlink(path.c_str());
}

ScratchFile::~ScratchFile() {
  if (fd_ >= 0) ::close(fd_);
}

ScratchFile::ScratchFile(ScratchFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

ScratchFile& ScratchFile::operator=(ScratchFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

std::vector<Call> SplitCalls(Task task, long long n, int rank, int ranks, int units) {
  std::vector<Call> calls(static_cast<std::size_t>(units));
  const int total = ranks * units;
  const Range mine = Partition(n, ranks, rank);
  for (int u = 0; u < units; ++u) {
    Call& call = calls[static_cast<std::size_t>(u)];
    if (!IsPairTask(task)) {
      const Range part = Partition(mine.size(), units, u);
      call = {mine.begin + part.begin, mine.begin + part.end};
      continue;
    }
    // Even global workers count up (add), odd ones down; one worker does both.
    const int global = rank * units + u;
    if (total == 1) {
      call = {n, n};
      continue;
    }
    const int members = global % 2 == 0 ? (total + 1) / 2 : total / 2;
    const long long share = Partition(n, members, global / 2).size();
    call = global % 2 == 0 ? Call{share, 0} : Call{0, share};
  }
  return calls;
}

Verification VerifyTotals(const TaskInputs& in, const Totals& totals) {
  const long long n = in.n;
  switch (in.task) {
    case Task::kCount:
      return {totals.done == n && totals.value == static_cast<double>(n),
              fmt::format("{} of {} iterations counted up and {:.0f} of {} down", totals.done, n,
                          totals.value, n)};
    case Task::kLockedCounter:
    case Task::kUnlockedCounter: {
      const bool all = totals.done == n && totals.value == static_cast<double>(n);
      const std::string done =
          fmt::format("{} + {:.0f} of {} updates done", totals.done, totals.value, 2 * n);
      if (in.task == Task::kLockedCounter)
        return {all && totals.counter == 0 && totals.lost == 0,
                fmt::format("{}, counter ended at {} (must be 0)", done, totals.counter)};
      return {all && totals.lost <= 2 * n,
              fmt::format("{}, unlocked counter ended at {}: {} updates lost", done, totals.counter,
                          totals.lost)};
    }
    case Task::kSleep:
      return {totals.done == n && (n == 0 || totals.value >= in.sleep_s - 1e-6),
              fmt::format("{} of {} sleeps done; shortest {:.1f} us (requested {:.1f} us)",
                          totals.done, n, totals.value * 1e6, in.sleep_s * 1e6)};
    case Task::kFileRead:
      return {totals.done == n && totals.value == static_cast<double>(n * in.read_bytes),
              fmt::format("{} of {} reads done, {:.0f} of {} bytes verified", totals.done, n,
                          totals.value, n * in.read_bytes)};
    case Task::kNative:
      return {totals.done == n && totals.value == static_cast<double>(n),
              fmt::format("{} of {} calls done, {:.0f} {} results of the {} KiB buffer match",
                          totals.done, n, totals.value, in.native, in.native_bytes / 1024)};
    case Task::kUser:
      return {totals.done == n && totals.false_returns == 0,
              fmt::format("{} returned for {} of {} items; {} call(s) returned False", in.function,
                          totals.done, n, totals.false_returns)};
  }
  return {false, "unknown task"};
}

Work TaskWork(const TaskInputs& in) {
  const double n = static_cast<double>(in.n);
  switch (in.task) {
    case Task::kCount:
      return {2 * n, "item", "Mloops/s", 1e6};
    case Task::kLockedCounter:
    case Task::kUnlockedCounter:
      return {2 * n, "item", "Mupdates/s", 1e6};
    case Task::kSleep:
      return {n, "item", "tasks/s", 1};
    case Task::kFileRead:
      return {n * static_cast<double>(in.read_bytes), "byte", "GB/s", 1e9};
    case Task::kNative:
      return {n * static_cast<double>(in.native_bytes), "byte", "GB/s", 1e9};
    case Task::kUser:
      return {n, "item", "items/s", 1};
  }
  return {};
}

std::vector<ParamSpec> TaskParams() {
  return {
      {"task",
       ParamType::kString,
       std::string("count"),
       "count | locked_counter | unlocked_counter | sleep | file_read | native | user",
       kTaskNames.All()},
      {"count_loop",
       ParamType::kString,
       std::string("updown"),
       "count: updown (c += 1 / c -= 1, the seeds' pair) | pass (for _ in range(n): pass)",
       kCountLoops.All()},
      {"switch_interval_ms",
       ParamType::kDouble,
       5.0,
       "CPython's GIL switch interval (sys.setswitchinterval), recorded as switch_interval",
       {},
       0},
      {"sleep_ms", ParamType::kDouble, 5.0, "sleep: each task's time.sleep / asyncio.sleep", {}, 0},
      {"read_kib",
       ParamType::kInt,
       std::int64_t{1024},
       "file_read: KiB each task reads with os.pread (GIL released) from a scratch file",
       {},
       1},
      {"dir", ParamType::kString, std::string("/tmp"),
       "file_read: where the scratch file is made (unpredictable name, unlinked at once)"},
      {"native",
       ParamType::kString,
       std::string("sha256"),
       "native: hashlib.sha256 | zlib (compress, level 1) of a buffer: C code that releases "
       "the GIL",
       kNatives.All()},
      {"native_kib",
       ParamType::kInt,
       std::int64_t{4096},
       "native: the buffer's size in KiB",
       {},
       1},
      {"async_tasks",
       ParamType::kInt,
       std::int64_t{64},
       "async: concurrent coroutines per rank (at most one per item for range tasks)",
       {},
       1},
      {"module", ParamType::kString, std::string(""),
       "user: path of the Python file (from the working directory); its directory joins "
       "sys.path"},
      {"function", ParamType::kString, std::string(""),
       "user: def name(begin, end), called once per worker with its items; False fails "
       "verification, numbers are summed into returned_sum"},
      {"coroutine", ParamType::kString, std::string(""),
       "user, model async: async def name(begin, end), one per concurrent coroutine"}};
}

std::string CheckTaskParams(const KernelParams& params, const CheckContext& context) {
  if (context.model_lock)
    return "the python kernel's threads take CPython's real GIL (model 'threads'); a model "
           "with parlab's shared lock (gil) emulates it for the C++ kernels, so it is not run "
           "on top of the real one";
  if (params.Double("switch_interval_ms") <= 0)
    return "key 'switch_interval_ms' must be more than 0 (sys.setswitchinterval), got 0";
  const Task task = params.Choice("task", kTaskNames);
  if (task == Task::kUser) return CheckUserTask(params, context.event_loop);
  for (const char* key : {"module", "function", "coroutine"})
    if (!params.String(key).empty())
      return fmt::format("key '{}' is for task = 'user', not task = '{}'", key,
                         params.String("task"));
  return "";
}

std::string PreflightTaskParams(const KernelParams& params) {
  const Task task = params.Choice("task", kTaskNames);
  if (task == Task::kUser) return PreflightModule(params.String("module"));
  if (task == Task::kFileRead) {
    struct stat info {};
    const std::string& dir = params.String("dir");
    if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
      return fmt::format("dir = '{}' is not a directory (file_read creates its file there)", dir);
  }
  return "";
}

double TaskMemoryPerRank(const KernelParams& params, int /*ranks*/) {
  const Task task = params.Choice("task", kTaskNames);
  if (task == Task::kNative) return 2.0 * static_cast<double>(params.Int("native_kib")) * 1024;
  if (task == Task::kFileRead)
    return 2.0 * static_cast<double>(params.Int("read_kib")) * 1024;
  return 0;
}

}  // namespace parlab::python
