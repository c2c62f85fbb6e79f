// MPI RAII handles and small helpers. Every communicator, datatype, info object, file and
// request parlab creates is owned by one of these, on every path, error paths included.
#pragma once

#include <mpi.h>

#include <string>
#include <utility>
#include <vector>

namespace parlab {

// Owns one MPI object; Traits say its null value and how it is freed.
template <class Traits>
class MpiHandle {
 public:
  using Type = typename Traits::Type;
  MpiHandle() = default;
  explicit MpiHandle(Type handle) : handle_(handle) {}
  ~MpiHandle() { Reset(); }
  MpiHandle(MpiHandle&& other) noexcept : handle_(std::exchange(other.handle_, Traits::Null())) {}
  MpiHandle& operator=(MpiHandle&& other) noexcept {
    if (this != &other) {
      Reset();
      handle_ = std::exchange(other.handle_, Traits::Null());
    }
    return *this;
  }
  MpiHandle(const MpiHandle&) = delete;
  MpiHandle& operator=(const MpiHandle&) = delete;

  Type get() const { return handle_; }
  bool valid() const { return handle_ != Traits::Null(); }
  // For the MPI calls that create the object: MPI_Comm_split(..., handle.out()).
  Type* out() {
    Reset();
    return &handle_;
  }
  // For calls that update the object in place (MPI_Type_commit).
  Type* in_place() { return &handle_; }
  void Reset() {
    if (handle_ != Traits::Null()) Traits::Free(&handle_);
    handle_ = Traits::Null();
  }

 private:
  Type handle_ = Traits::Null();
};

struct CommTraits {
  using Type = MPI_Comm;
  static Type Null() { return MPI_COMM_NULL; }
  static void Free(Type* comm) { MPI_Comm_free(comm); }
};
struct DatatypeTraits {
  using Type = MPI_Datatype;
  static Type Null() { return MPI_DATATYPE_NULL; }
  static void Free(Type* type) { MPI_Type_free(type); }
};
struct InfoTraits {
  using Type = MPI_Info;
  static Type Null() { return MPI_INFO_NULL; }
  static void Free(Type* info) { MPI_Info_free(info); }
};
struct FileTraits {
  using Type = MPI_File;
  static Type Null() { return MPI_FILE_NULL; }
  static void Free(Type* file) { MPI_File_close(file); }
};

using CommHandle = MpiHandle<CommTraits>;
using DatatypeHandle = MpiHandle<DatatypeTraits>;
using InfoHandle = MpiHandle<InfoTraits>;
using FileHandle = MpiHandle<FileTraits>;

// Collective MPI_File_open: the open file, or an empty handle with *code set to MPI's error
// (the handle MPI leaves after a failed open is undefined and never closed).
FileHandle OpenMpiFile(MPI_Comm comm, const std::string& path, int amode, MPI_Info info, int* code);

// MPI_Info from key/value pairs (MPI_INFO_NULL when there are none).
InfoHandle MakeInfo(const std::vector<std::pair<std::string, std::string>>& pairs);

// Requests posted anew every round (MPI_Isend / MPI_Irecv), completed together. Leaving
// scope with some still active (an exception between post and wait) cancels them and
// completes them, so MPI is done with their buffers before those go.
class RequestSet {
 public:
  RequestSet() = default;
  explicit RequestSet(int count) { Resize(count); }
  ~RequestSet();
  RequestSet(RequestSet&& other) noexcept : requests_(std::move(other.requests_)) {
    other.requests_.clear();
  }
  RequestSet& operator=(RequestSet&& other) noexcept;
  RequestSet(const RequestSet&) = delete;
  RequestSet& operator=(const RequestSet&) = delete;
  // Only while none is in flight: their addresses may move.
  void Resize(int count) { requests_.assign(static_cast<std::size_t>(count), MPI_REQUEST_NULL); }
  MPI_Request* data() { return requests_.data(); }
  MPI_Request& operator[](int i) { return requests_[static_cast<std::size_t>(i)]; }
  int size() const { return static_cast<int>(requests_.size()); }
  // MPI_Waitall, or WaitAllPolling with `spins` >= 0.
  void WaitAll(int spins = -1);

 private:
  void Cancel();
  std::vector<MPI_Request> requests_;
};

// Completes `count` requests by polling MPI_Testall; after `spins` unsuccessful polls it
// yields the core between polls, so that threads of an oversubscribed rank (or of its
// neighbour) can run the progress the wait depends on. Threads polling this way also stay
// clear of Open MPI 4.1's blocking waits under MPI_THREAD_MULTIPLE, which were seen to
// hang with several threads in MPI_Recv at once.
void WaitAllPolling(int count, MPI_Request* requests, int spins);

// Persistent requests (MPI_Send_init / MPI_Recv_init), created once and started many
// times. Freed on every path; leaving scope while started cancels and completes them first.
class PersistentRequests {
 public:
  PersistentRequests() = default;
  ~PersistentRequests();
  PersistentRequests(PersistentRequests&& other) noexcept;
  PersistentRequests& operator=(PersistentRequests&& other) noexcept;
  PersistentRequests(const PersistentRequests&) = delete;
  PersistentRequests& operator=(const PersistentRequests&) = delete;
  // For MPI_Send_init(..., requests.Add()).
  MPI_Request* Add();
  void StartAll();
  // MPI_Waitall, or WaitAllPolling with `spins` >= 0.
  void WaitAll(int spins = -1);
  int size() const { return static_cast<int>(requests_.size()); }

 private:
  void Free();
  std::vector<MPI_Request> requests_;
  bool active_ = false;
};

int Rank(MPI_Comm comm);
int Size(MPI_Comm comm);

// "MPI_SUCCESS"-style text of an MPI error code.
std::string MpiErrorText(int code);

// Collective: every rank's string, in rank order, on every rank.
std::vector<std::string> AllGatherStrings(MPI_Comm comm, const std::string& mine);

// A barrier that sleeps between polls, so ranks that sit out a shape leave their core to
// the threads that are working (OpenMPI's blocking barrier busy-polls).
void IdleBarrier(MPI_Comm comm);

// Completes `request` polling with sleeps that grow from 50 us to 2 ms: a rank that waits
// leaves its core to the ones working, and wakes rarely enough not to disturb them.
void WaitSleeping(MPI_Request& request);

std::string ThreadLevelName(int level);

}  // namespace parlab
