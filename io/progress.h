// How a nonblocking checkpoint write proceeds while the rank computes (IoProgress in
// modes.h): posted on the calling thread and tested between compute chunks, or handed to
// a helper thread that never spins. Open MPI 4.1 has no progress thread of its own and
// its MPI_Wait busy-polls, so a helper that waited there would steal a computing core;
// these helpers sleep between MPI_Tests (growing intervals) or sit in blocking system
// calls (write, fsync) instead.
#pragma once

#include <mpi.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/mpi_util.h"
#include "io/backend.h"
#include "io/modes.h"

namespace parlab {

// What a run can use, for `auto`: a helper thread needs MPI_THREAD_MULTIPLE and no event
// loop (the async model polls its pending I/O from its one thread).
struct ProgressContext {
  int thread_level = MPI_THREAD_SINGLE;
  bool event_loop = false;
};

// The method `requested` runs with: itself, or for `auto` the helper that writes with the
// blocking call when a helper may run, MPI_Test between compute chunks otherwise.
IoProgress ResolveProgress(IoProgress requested, const ProgressContext& context);
// "" or one line saying why `method` cannot run here, naming the method and the level.
std::string ProgressRefusal(IoProgress method, const ProgressContext& context);
// Whether the method posts or writes on a helper thread.
bool UsesHelper(IoProgress method);

// Drives one write at a time of a nonblocking backend by a resolved method. Start and
// Finish are called by the rank's main thread; the helper thread, if any, lives from
// construction to destruction (which waits for a write in flight), so it never outlives
// the run. Errors are this rank's, returned for the caller to agree on.
class WriteProgress {
 public:
  WriteProgress(IoBackend& backend, IoProgress method, bool sync);
  ~WriteProgress();
  WriteProgress(const WriteProgress&) = delete;
  WriteProgress& operator=(const WriteProgress&) = delete;

  IoProgress method() const { return method_; }
  // Starts writing `data` (valid until Finish returns): posts it here (none, test) or hands
  // it to the helper.
  std::string Start(const void* data);
  // Between compute chunks (test): one MPI_Test; true once the write is complete.
  bool Poke();
  struct Finished {
    std::string error;
    double sync_s = 0;  // MPI_File_sync on this thread (none, test); 0 when the helper synced
  };
  // Completes the write (and syncs, if asked): waits for the request, or for the helper.
  Finished Finish();

 private:
  void HelperLoop();
  std::string HelperWrite(const void* data);

  IoBackend& backend_;
  IoProgress method_;
  bool sync_;
  bool pending_ = false;
  std::string poke_error_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const void* job_ = nullptr;  // guarded by mutex_: the write handed to the helper
  bool job_done_ = false, stop_ = false, abandon_ = false;
  std::string helper_error_;
  std::thread helper_;  // last: started once the members above exist
};

}  // namespace parlab
