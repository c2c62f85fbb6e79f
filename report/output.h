// The report's path and the files parlab derives from it (<output>.tmp, .journal, .lock),
// checked before any work so that parlab never writes through something it does not own,
// and a lock so two jobs never write the same report.
#pragma once

#include <mpi.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/files.h"

namespace parlab {

// Collective; throws the same one-line ConfigError on every rank. Creates the output's
// directory if needed and checks it is writable; the output and its derived files must
// each be absent or a regular file (never a device, FIFO, socket, directory or symlink);
// the output must be neither the config file nor this program.
void PrepareOutputPath(MPI_Comm world, const std::string& output, const std::string& config_path);

// What a lock file says about its writer.
struct LockHolder {
  std::string host;
  long pid = 0;
  std::string boot_id;     // of the holder's kernel: a reboot means the holder is gone
  double heartbeat_age_s;  // since the holder last touched the lock
};

// The holder of the lock at `path`, nullopt when the file is not a readable lock.
std::optional<LockHolder> ReadLock(const std::string& path);

// Whether a lock's holder is gone: on this host (same boot), a process that no longer runs
// or is a zombie; on another host or boot, a heartbeat older than kLockStaleS.
bool LockIsStale(const LockHolder& holder);

inline constexpr double kLockHeartbeatS = 10;  // how often the holder touches its lock
inline constexpr double kLockStaleS = 60;      // a silent lock this old is abandoned

// "<output>.lock", created exclusively by rank 0 for as long as the object lives, so two
// parlab jobs never write the same report: the second fails with a clear error. Rank 0
// touches it every kLockHeartbeatS; a stale lock (LockIsStale) is taken over, so a job
// requeued to another node after its node died can resume. Collective.
class OutputLock {
 public:
  OutputLock(MPI_Comm world, const std::string& output);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::string Acquire(const std::string& output);
  void Beat();

  std::string path_;
  FileDescriptor file_;  // rank 0, while it holds the lock
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread heartbeat_;
};

}  // namespace parlab
