#include "collective.h"

#include <algorithm>
#include <climits>

namespace parlab {
namespace {
int RankOf(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank;
}
}  // namespace

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
  const int mine = local.empty() ? INT_MAX : RankOf(comm);
  int first = INT_MAX;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == INT_MAX) return "";
  return BroadcastString(comm, local, first);
}

void AgreeOrThrow(MPI_Comm comm, const std::string& local_error) {
  const std::string message = FirstMessage(comm, local_error);
  if (!message.empty()) throw CollectiveError(message);
}

std::vector<int> NodeLeaders(MPI_Comm comm) {
  const int rank = RankOf(comm);
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
