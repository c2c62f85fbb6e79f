#include "core/mpi_util.h"

#include <climits>
#include <stdexcept>
#include <thread>

namespace parlab {

InfoHandle MakeInfo(const std::vector<std::pair<std::string, std::string>>& pairs) {
  InfoHandle info;
  if (pairs.empty()) return info;
  MPI_Info_create(info.out());
  for (const auto& [key, value] : pairs) MPI_Info_set(info.get(), key.c_str(), value.c_str());
  return info;
}

FileHandle OpenMpiFile(MPI_Comm comm, const std::string& path, int amode, MPI_Info info, int* code) {
  MPI_File file = MPI_FILE_NULL;
  *code = MPI_File_open(comm, path.c_str(), amode, info, &file);
  return *code == MPI_SUCCESS ? FileHandle(file) : FileHandle();
}

RequestSet::~RequestSet() {
  for (MPI_Request& request : requests_) {
    if (request == MPI_REQUEST_NULL) continue;
    MPI_Cancel(&request);
    MPI_Request_free(&request);
  }
}

std::string MpiErrorText(int code) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, static_cast<std::size_t>(length));
}

int Rank(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank;
}

int Size(MPI_Comm comm) {
  int size = 0;
  MPI_Comm_size(comm, &size);
  return size;
}

std::vector<std::string> AllGatherStrings(MPI_Comm comm, const std::string& mine) {
  const int size = Size(comm);
  int length = static_cast<int>(mine.size());
  std::vector<int> lengths(size);
  MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, comm);
  std::vector<int> offsets(size, 0);
  for (int r = 1; r < size; ++r) offsets[r] = offsets[r - 1] + lengths[r - 1];
  std::string all(static_cast<std::size_t>(offsets[size - 1] + lengths[size - 1]), '\0');
  MPI_Allgatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(),
                 MPI_CHAR, comm);
  std::vector<std::string> out;
  for (int r = 0; r < size; ++r) out.push_back(all.substr(offsets[r], lengths[r]));
  return out;
}

void IdleBarrier(MPI_Comm comm) {
  MPI_Request request;
  MPI_Ibarrier(comm, &request);
  int done = 0;
  MPI_Test(&request, &done, MPI_STATUS_IGNORE);
  while (done == 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
  }
}

std::string ThreadLevelName(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
    case MPI_THREAD_MULTIPLE: return "MPI_THREAD_MULTIPLE";
    default: return "unknown (" + std::to_string(level) + ")";
  }
}

}  // namespace parlab
