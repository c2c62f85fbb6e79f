#include "kernels/python_tasks.h"

#include <fcntl.h>
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

#include <fmt/format.h>

namespace parlab::python {

// The loops are the seed programs' own; pair tasks return (ups done, downs done), range
// tasks (items done, a figure to verify). Coroutine forms of CPU-bound tasks never await:
// on one event loop they run one after the other, which is what asyncio gives them.
const char* const kTasksSource = R"py(
import asyncio, hashlib, os, random, threading, time, zlib

x = 0                      # the counter tasks' shared counter (one per interpreter)
LOCK = threading.Lock()
ASYNC_LOCK = asyncio.Lock()
SLEEP_S = 0.0
FD = -1
READ_BYTES = 0
NATIVE = "sha256"
BUFFER = b""
DIGEST = b""

def pattern_byte(offset):
    return (offset * 131 + 7) & 255

def _digest():
    if NATIVE == "sha256":
        return hashlib.sha256(BUFFER).digest()
    return zlib.crc32(zlib.compress(BUFFER, 1)).to_bytes(4, "little")

def configure(sleep_s, fd, read_bytes, native, native_bytes):
    global SLEEP_S, FD, READ_BYTES, NATIVE, BUFFER, DIGEST
    SLEEP_S, FD, READ_BYTES, NATIVE = sleep_s, fd, read_bytes, native
    if native_bytes > 0:
        BUFFER = random.Random(1).randbytes(native_bytes)
        DIGEST = _digest()

def count_pass(ups, downs):
    i = -1
    for i in range(ups):
        pass
    j = -1
    for j in range(downs):
        pass
    return i + 1, j + 1

def count_updown(ups, downs):
    c = 0
    for _ in range(ups):
        c += 1
    d = 0
    for _ in range(downs):
        d -= 1
    return c, -d

def locked_counter(ups, downs):
    global x
    for _ in range(ups):
        with LOCK:
            x += 1
    for _ in range(downs):
        with LOCK:
            x -= 1
    return ups, downs

def unlocked_counter(ups, downs):
    global x
    for _ in range(ups):
        x += 1
    for _ in range(downs):
        x -= 1
    return ups, downs

def sleep(begin, end):
    shortest = float("inf")
    for _ in range(begin, end):
        start = time.perf_counter()
        time.sleep(SLEEP_S)
        shortest = min(shortest, time.perf_counter() - start)
    return end - begin, shortest

def _read_ok(data):
    n = len(data)
    return (n == READ_BYTES and n > 0 and data[0] == pattern_byte(0)
            and data[n // 2] == pattern_byte(n // 2) and data[-1] == pattern_byte(n - 1))

def file_read(begin, end):
    good = 0
    for _ in range(begin, end):
        if _read_ok(os.pread(FD, READ_BYTES, 0)):
            good += 1
    return end - begin, good * READ_BYTES

def native(begin, end):
    good = 0
    for _ in range(begin, end):
        if _digest() == DIGEST:
            good += 1
    return end - begin, good

async def count_pass_async(ups, downs):
    return count_pass(ups, downs)

async def count_updown_async(ups, downs):
    return count_updown(ups, downs)

async def locked_counter_async(ups, downs):
    global x
    for _ in range(ups):
        async with ASYNC_LOCK:
            x += 1
    for _ in range(downs):
        async with ASYNC_LOCK:
            x -= 1
    return ups, downs

async def unlocked_counter_async(ups, downs):
    return unlocked_counter(ups, downs)

async def sleep_async(begin, end):
    shortest = float("inf")
    for _ in range(begin, end):
        start = time.perf_counter()
        await asyncio.sleep(SLEEP_S)
        shortest = min(shortest, time.perf_counter() - start)
    return end - begin, shortest

async def file_read_async(begin, end):
    return file_read(begin, end)  # blocks the loop: asyncio has no file reads of its own

async def native_async(begin, end):
    return native(begin, end)
)py";

namespace {

struct TaskFacts {
  Task task;
  const char* name;
  const char* function;  // "" for the user's task
  Phase off_cpu;
};

constexpr TaskFacts kTasks[] = {
    {Task::kCount, "count", "count_", Phase::kLockWait},
    {Task::kLockedCounter, "locked_counter", "locked_counter", Phase::kLockWait},
    {Task::kUnlockedCounter, "unlocked_counter", "unlocked_counter", Phase::kLockWait},
    {Task::kSleep, "sleep", "sleep", Phase::kWait},
    {Task::kFileRead, "file_read", "file_read", Phase::kIo},
    {Task::kNative, "native", "native", Phase::kLockWait},
    {Task::kUser, "user", "", Phase::kWait},
};

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

std::string CheckUserTask(const KernelParams& params, const std::string& model) {
  const std::string& path = params.String("module");
  if (path.empty()) return "task = 'user' needs module = \"path/to/file.py\"";
  struct stat info{};
  if (::stat(path.c_str(), &info) != 0)
    return fmt::format("module = '{}': {}", path, std::strerror(errno));
  if (!S_ISREG(info.st_mode)) return fmt::format("module = '{}' is not a regular file", path);
  if (::access(path.c_str(), R_OK) != 0)
    return fmt::format("module = '{}' cannot be read: {}", path, std::strerror(errno));
  const bool async = model == "async";
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

}  // namespace

Task ParseTask(const std::string& name) {
  for (const TaskFacts& facts : kTasks)
    if (name == facts.name) return facts.task;
  throw std::invalid_argument("unknown python task '" + name + "'");
}

const char* TaskName(Task task) { return Facts(task).name; }

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
      throw std::runtime_error(std::string("python: file_read: getrandom: ") + std::strerror(errno));
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

std::vector<ParamSpec> TaskParams() {
  return {{"task", ParamType::kString, std::string("count"),
        "count | locked_counter | unlocked_counter | sleep | file_read | native | user",
        {"count", "locked_counter", "unlocked_counter", "sleep", "file_read", "native", "user"}},
       {"count_loop", ParamType::kString, std::string("updown"),
        "count: updown (c += 1 / c -= 1, the seeds' pair) | pass (for _ in range(n): pass)",
        {"updown", "pass"}},
       {"switch_interval_ms", ParamType::kDouble, 5.0,
        "CPython's GIL switch interval (sys.setswitchinterval), recorded as switch_interval", {},
        0},
       {"sleep_ms", ParamType::kDouble, 5.0, "sleep: each task's time.sleep / asyncio.sleep", {},
        0},
       {"read_kib", ParamType::kInt, std::int64_t{1024},
        "file_read: KiB each task reads with os.pread (GIL released) from a scratch file", {}, 1},
       {"dir", ParamType::kString, std::string("/tmp"),
        "file_read: where the scratch file is made (unpredictable name, unlinked at once)"},
       {"native", ParamType::kString, std::string("sha256"),
        "native: hashlib.sha256 | zlib (compress, level 1) of a buffer: C code that releases "
        "the GIL", {"sha256", "zlib"}},
       {"native_kib", ParamType::kInt, std::int64_t{4096}, "native: the buffer's size in KiB",
        {}, 1},
       {"async_tasks", ParamType::kInt, std::int64_t{64},
        "async: concurrent coroutines per rank (at most one per item for range tasks)", {}, 1},
       {"module", ParamType::kString, std::string(""),
        "user: path of the Python file (from the working directory); its directory joins "
        "sys.path"},
       {"function", ParamType::kString, std::string(""),
        "user: def name(begin, end), called once per worker with its items; False fails "
        "verification, numbers are summed into returned_sum"},
       {"coroutine", ParamType::kString, std::string(""),
        "user, model async: async def name(begin, end), one per concurrent coroutine"}};
}

// Before any work, on every run: what can be told without running Python.
std::string CheckTaskParams(const KernelParams& params, const std::string& model) {
  if (params.Double("switch_interval_ms") <= 0)
    return "key 'switch_interval_ms' must be more than 0 (sys.setswitchinterval), got 0";
  if (params.String("task") == "user") return CheckUserTask(params, model);
  for (const char* key : {"module", "function", "coroutine"})
    if (!params.String(key).empty())
      return fmt::format("key '{}' is for task = 'user', not task = '{}'", key,
                         params.String("task"));
  if (params.String("task") == "file_read") {
    struct stat info{};
    const std::string& dir = params.String("dir");
    if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
      return fmt::format("dir = '{}' is not a directory (file_read creates its file there)", dir);
  }
  return "";
}

double TaskMemoryPerRank(const KernelParams& params, int /*ranks*/) {
  if (params.String("task") == "native")
    return 2.0 * static_cast<double>(params.Int("native_kib")) * 1024;
  if (params.String("task") == "file_read")
    return 2.0 * static_cast<double>(params.Int("read_kib")) * 1024;
  return 0;
}

}  // namespace parlab::python
