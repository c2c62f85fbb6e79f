#include "report/output.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/collective.h"
#include "core/mpi_util.h"
#include "harness/environment.h"

namespace parlab {
namespace {

// Zombies count as gone: a killed rank whose parent (mpirun) has exited may wait for a
// long time to be reaped, and it will never write again.
bool ProcessIsRunning(long pid) {
  if (pid <= 0 || (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] != 'Z';
}

}  // namespace

void PrepareOutputPath(MPI_Comm world, const std::string& output) {
  std::string error;
  if (Rank(world) == 0) {
    namespace fs = std::filesystem;
    const fs::path parent = fs::path(output).parent_path();
    std::error_code code;
    if (!parent.empty() && !fs::is_directory(parent, code)) {
      fs::create_directories(parent, code);
      if (code)
        error = fmt::format("output {}: cannot create directory {}: {}", output, parent.string(),
                            code.message());
    }
    if (error.empty() && fs::is_directory(output, code))
      error = fmt::format("output {}: is a directory", output);
    if (error.empty() && access(parent.empty() ? "." : parent.c_str(), W_OK) != 0)
      error = fmt::format("output {}: directory {} is not writable: {}", output,
                          parent.empty() ? "." : parent.string(), std::strerror(errno));
  }
  AgreeOrThrow(world, error);
}

OutputLock::OutputLock(MPI_Comm world, const std::string& output) : path_(output + ".lock") {
  std::string error;
  if (Rank(world) == 0) {
    const std::string me = Hostname() + " " + std::to_string(getpid());
    for (int attempt = 0; attempt < 2 && !owner_ && error.empty(); ++attempt) {
      const int fd = open(path_.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
      if (fd >= 0) {
        const bool written = write(fd, me.data(), me.size()) == static_cast<ssize_t>(me.size());
        close(fd);
        owner_ = true;
        if (!written) error = fmt::format("cannot write lock file {}", path_);
        break;
      }
      if (errno != EEXIST) {
        error = fmt::format("output {}: cannot create lock file {}: {}", output, path_,
                            std::strerror(errno));
        break;
      }
      std::ifstream in(path_);
      std::string host;
      long pid = 0;
      in >> host >> pid;
      const bool stale = host == Hostname() && pid > 0 && !ProcessIsRunning(pid);
      if (stale && attempt == 0) {
        std::remove(path_.c_str());  // its writer is gone: take over
        continue;
      }
      error = fmt::format("output {} is being written by another parlab (pid {} on {}; lock file "
                          "{}): choose another --output, or remove the lock if that job is gone",
                          output, pid, host, path_);
    }
  }
  AgreeOrThrow(world, error);
}

OutputLock::~OutputLock() {
  if (owner_) std::remove(path_.c_str());
}

}  // namespace parlab
