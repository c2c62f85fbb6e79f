#include "report/output.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/collective.h"
#include "core/mpi_util.h"
#include "harness/environment.h"
#include "harness/journal.h"

namespace parlab {
namespace {

// Zombies count as gone: a killed rank whose parent (mpirun) has exited may wait for a
// long time to be reaped, and it will never write again.
bool ProcessIsRunning(long pid) {
  if (pid <= 0 || (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) return false;
  try {
    const std::string text = ReadBoundedFile("/proc/" + std::to_string(pid) + "/stat", 1 << 16);
    const auto paren = text.rfind(')');
    return paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] != 'Z';
  } catch (const ConfigError&) {
    return true;  // it exists (kill said so) but cannot be read: assume it runs
  }
}

std::string CreateDirectoryOf(const std::string& output) {
  namespace fs = std::filesystem;
  const fs::path parent = fs::path(output).parent_path();
  std::error_code code;
  if (!parent.empty() && !fs::is_directory(parent, code)) {
    fs::create_directories(parent, code);
    if (code)
      return fmt::format("output {}: cannot create directory {}: {}", output, parent.string(),
                         code.message());
  }
  const std::string dir = parent.empty() ? "." : parent.string();
  if (access(dir.c_str(), W_OK | X_OK) != 0)
    return fmt::format("output {}: directory {} is not writable: {}", output, dir, std::strerror(errno));
  return "";
}

// "" when every path parlab writes for this output is absent or a regular file.
std::string CheckTargets(const std::string& output, const std::string& config_path) {
  if (FileKind(output) == "a directory") return fmt::format("output {}: is a directory", output);
  for (const std::string& path :
       {output, output + ".tmp", JournalPath(output), JournalPath(output) + ".new", output + ".lock"})
    if (const std::string kind = CheckReplaceable(path); !kind.empty())
      return fmt::format("output {}: {} is {}; parlab writes only regular files it created or "
                         "may replace: choose another --output", output, path, kind);
  if (!config_path.empty() && SameFile(output, config_path))
    return fmt::format("output {}: is the config file {}", output, config_path);
  if (SameFile(output, "/proc/self/exe")) return fmt::format("output {}: is the parlab program", output);
  return "";
}

}  // namespace

void PrepareOutputPath(MPI_Comm world, const std::string& output, const std::string& config_path) {
  std::string error;
  if (Rank(world) == 0) {
    error = CreateDirectoryOf(output);
    if (error.empty()) error = CheckTargets(output, config_path);
  }
  error = BroadcastString(world, error);
  if (!error.empty()) throw ConfigError(error);
}

std::optional<LockHolder> ReadLock(const std::string& path) {
  try {
    const nlohmann::json lock = nlohmann::json::parse(ReadBoundedFile(path, 4096));
    struct stat info {};
    if (lstat(path.c_str(), &info) != 0) return std::nullopt;
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const double age = now - (static_cast<double>(info.st_mtim.tv_sec) +
                              1e-9 * static_cast<double>(info.st_mtim.tv_nsec));
    return LockHolder{lock.at("host").get<std::string>(), lock.at("pid").get<long>(),
                      lock.at("boot_id").get<std::string>(), age};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool LockIsStale(const LockHolder& holder) {
  if (holder.host == Hostname() && holder.boot_id == BootId()) return !ProcessIsRunning(holder.pid);
  return holder.heartbeat_age_s > kLockStaleS;
}

OutputLock::OutputLock(MPI_Comm world, const std::string& output) : path_(output + ".lock") {
  std::string error;
  if (Rank(world) == 0) error = Acquire(output);
  AgreeOrThrow(world, error);
  if (file_.valid()) heartbeat_ = std::thread([this] { Beat(); });
}

std::string OutputLock::Acquire(const std::string& output) {
  const std::string me = nlohmann::json{{"host", Hostname()}, {"pid", static_cast<long>(getpid())},
                                        {"boot_id", BootId()}, {"started_utc", UtcNow()}}.dump() + "\n";
  for (int attempt = 0; attempt < 3; ++attempt) {
    const std::string kind = FileKind(path_);
    if (kind.empty()) {
      std::string error;
      file_ = CreateNewFile(path_, &error);
      if (file_.valid()) return WriteAll(file_.get(), me, path_);
      if (FileKind(path_).empty()) return fmt::format("output {}: cannot create lock file {}", output, error);
      continue;  // another job created it just now: look at it
    }
    if (kind != "a regular file")
      return fmt::format("output {}: lock file {} is {}, not a lock", output, path_, kind);
    const std::optional<LockHolder> holder = ReadLock(path_);
    if (attempt < 2 && (!holder || LockIsStale(*holder))) {
      std::remove(path_.c_str());  // its writer is gone (or it is not a lock): take over
      continue;
    }
    if (holder)
      return fmt::format("output {} is being written by another parlab (pid {} on {}, alive {:.0f} s "
                         "ago; lock file {}): choose another --output, or, if that job is gone, "
                         "wait until its lock is {:.0f} s old", output, holder->pid, holder->host,
                         holder->heartbeat_age_s, path_, kLockStaleS);
  }
  return fmt::format("output {}: cannot take over lock file {}", output, path_);
}

// Touches the lock every kLockHeartbeatS, sleeping in between (no core is taken).
void OutputLock::Beat() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::duration<double>(kLockHeartbeatS), [&] { return stopping_; }))
    futimens(file_.get(), nullptr);
}

OutputLock::~OutputLock() {
  if (heartbeat_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    heartbeat_.join();
  }
  if (file_.valid()) {
    file_.Close(path_);
    std::remove(path_.c_str());
  }
}

}  // namespace parlab
