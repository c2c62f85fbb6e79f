#include "core/collective.h"

#include "core/mpi_util.h"

#include <algorithm>
#include <climits>
#include <thread>

namespace parlab {
namespace {
thread_local const std::atomic<bool>* t_abandoned = nullptr;
}  // namespace

void AbandonWaitsWhen(const std::atomic<bool>* abandoned) { t_abandoned = abandoned; }

bool RunIsAbandoned() { return t_abandoned != nullptr && t_abandoned->load(); }

void WaitOrAbandon(MPI_Request& request) {
  if (t_abandoned == nullptr) {
    MPI_Wait(&request, MPI_STATUS_IGNORE);
    return;
  }
  // Polls as fast as MPI_Wait would (Open MPI's blocking wait busy-polls too); a long wait
  // yields between polls, so oversubscribed ranks still let the others run.
  for (long polls = 0;; ++polls) {
    int done = 0;
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done != 0) return;
    if (t_abandoned->load(std::memory_order_relaxed)) throw RunAbandoned();
    if (polls > 10000) std::this_thread::yield();
  }
}

namespace {
// A collective that must not outlive an abandoned run: the nonblocking form, waited for
// by WaitOrAbandon, on a watched thread; the blocking form otherwise, because Open MPI's
// nonblocking collectives (libnbc) are slower than its tuned blocking ones.
template <class Blocking, class Start>
void Collective(Blocking&& blocking, Start&& start) {
  if (t_abandoned == nullptr) {
    blocking();
    return;
  }
  MPI_Request request;
  start(&request);
  WaitOrAbandon(request);
}
}  // namespace

void BarrierOrAbandon(MPI_Comm comm) {
  Collective([&] { MPI_Barrier(comm); }, [&](MPI_Request* r) { MPI_Ibarrier(comm, r); });
}

void MaxOrAbandon(MPI_Comm comm, double* values, int count) {
  Collective([&] { MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_MAX, comm); },
             [&](MPI_Request* r) {
               MPI_Iallreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_MAX, comm, r);
             });
}

std::string BroadcastString(MPI_Comm comm, std::string text, int root) {
  long long length = static_cast<long long>(text.size());
  MPI_Bcast(&length, 1, MPI_LONG_LONG, root, comm);
  text.resize(static_cast<std::size_t>(length));
  // Chunked, so strings beyond INT_MAX bytes would still work.
  for (long long offset = 0; offset < length; offset += INT_MAX) {
    const int count = static_cast<int>(std::min<long long>(INT_MAX, length - offset));
    MPI_Bcast(text.data() + offset, count, MPI_CHAR, root, comm);
  }
  return text;
}

std::string FirstMessage(MPI_Comm comm, const std::string& local) {
  int first = local.empty() ? INT_MAX : Rank(comm);
  Collective([&] { MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm); },
             [&](MPI_Request* r) {
               MPI_Iallreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm, r);
             });
  if (first == INT_MAX) return "";
  return BroadcastString(comm, local, first);
}

void AgreeOrThrow(MPI_Comm comm, const std::string& local_error) {
  const std::string message = FirstMessage(comm, local_error);
  if (!message.empty()) throw CollectiveError(message);
}

std::vector<int> NodeLeaders(MPI_Comm comm) {
  const int rank = Rank(comm);
  int size = 0;
  MPI_Comm_size(comm, &size);
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
  int leader = rank;
  MPI_Allreduce(MPI_IN_PLACE, &leader, 1, MPI_INT, MPI_MIN, node);
  MPI_Comm_free(&node);
  std::vector<int> leaders(static_cast<std::size_t>(size), 0);
  MPI_Allgather(&leader, 1, MPI_INT, leaders.data(), 1, MPI_INT, comm);
  return leaders;
}

}  // namespace parlab
