// The stencil's halo exchange for one segment of a block's halo (the whole halo, or one
// thread's share of it): persistent requests created once per run and started every
// sweep, or immediate ones posted every sweep; the column halos either packed into
// contiguous buffers or sent with a strided datatype. Every exchange is timed in four
// phases (pack, post, wait, unpack), so the comm time can be told apart.
#pragma once

#include <array>
#include <vector>

#include "core/enum_names.h"
#include "core/mpi_util.h"
#include "core/team.h"

namespace parlab {

enum class ColumnHalo { kPacked, kDatatype };
inline constexpr EnumNames<ColumnHalo, 2> kColumnHalos{
    {{{ColumnHalo::kPacked, "packed"}, {ColumnHalo::kDatatype, "datatype"}}}};

// How the messages are posted: persistent requests (MPI_Send_init / MPI_Recv_init, once per
// run, MPI_Startall every sweep), immediate ones (MPI_Isend / MPI_Irecv every sweep), or
// the faster of the two for the message size (auto).
enum class HaloRequests { kAuto, kPersistent, kImmediate };
inline constexpr EnumNames<HaloRequests, 3> kHaloRequests{
    {{{HaloRequests::kAuto, "auto"}, {HaloRequests::kPersistent, "persistent"},
      {HaloRequests::kImmediate, "immediate"}}}};
// Open MPI 4.1 starts a small persistent send without its inline fast path: an 8-byte
// exchange costs 0.98 us with MPI_Startall against 0.51 us with MPI_Isend / MPI_Irecv,
// while from 4 KiB up both cost the same (docs/io.md, "Stencil"). auto: immediate requests
// for messages up to this size, persistent ones above.
inline constexpr long long kImmediateMaxBytes = 4096;

// A rank's block: lr x lc points inside a halo ring, rows of width lc + 2, in two grids
// (the sweep reads one and writes the other).
struct HaloBlock {
  long long lr = 0, lc = 0;
  int north = MPI_PROC_NULL, south = MPI_PROC_NULL, west = MPI_PROC_NULL, east = MPI_PROC_NULL;
  std::array<double*, 2> grids = {nullptr, nullptr};
};

// Seconds spent in each phase of the exchanges since the last Reset, and their count.
struct HaloTimes {
  double pack = 0, post = 0, wait = 0, unpack = 0;
  long long exchanges = 0;
  double total() const { return pack + post + wait + unpack; }
};

// One segment of the halo: rows `rows` of the west and east column halos and columns
// `cols` of the north and south row halos (0-based within the block). Both neighbours
// split their shared edge the same way, so a segment's messages always have a partner.
class HaloSegment {
 public:
  // `requests`: how the messages are posted (auto: by the size of the largest one this
  // segment sends). `spins`: how Finish waits: -1, MPI_Waitall, for one communicating
  // thread per rank; else polls before yielding (WaitAllPolling), for several.
  HaloSegment(MPI_Comm comm, const HaloBlock& block, Range rows, Range cols, ColumnHalo columns,
              HaloRequests requests, int spins = -1);
  // Packs the columns of grid `grid` and starts every message.
  void Start(int grid);
  // Waits for them and unpacks the received columns into grid `grid`'s halo.
  void Finish(int grid);
  const HaloTimes& times() const { return times_; }
  void SetTimes(const HaloTimes& times = {}) { times_ = times; }
  long long bytes_sent() const { return bytes_sent_; }
  bool persistent() const { return persistent_; }

 private:
  struct Message {
    void* buffer;
    int count;
    MPI_Datatype type;
    int peer, tag;
    bool send;
  };
  void AddRowMessages(int grid);
  void AddColumnMessages(int grid);
  void Add(int grid, Message message) { messages_[grid].push_back(message); }

  MPI_Comm comm_;
  HaloBlock block_;
  Range rows_, cols_;
  ColumnHalo columns_;
  int spins_;
  DatatypeHandle column_type_;
  // Packed columns: [0] west, [1] east.
  std::array<std::vector<double>, 2> send_, receive_;
  std::array<std::vector<Message>, 2> messages_;  // one set per grid
  bool persistent_ = true;
  std::array<PersistentRequests, 2> requests_;  // persistent: one set per grid
  RequestSet posted_;                           // immediate: this sweep's
  HaloTimes times_;
  long long bytes_sent_ = 0;
};

}  // namespace parlab
