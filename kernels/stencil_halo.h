// The stencil's halo exchange: persistent requests created once per run, for one segment
// of a block's halo (the whole halo, or one thread's share of it), with the column halos
// either packed into contiguous buffers or sent with a strided datatype. Every exchange
// is timed in four phases (pack, post, wait, unpack), so the comm time can be told apart.
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
  // `spins`: how Finish waits (PersistentRequests::WaitAll): -1, MPI_Waitall, for one
  // communicating thread per rank; else polls before yielding, for several.
  HaloSegment(MPI_Comm comm, const HaloBlock& block, Range rows, Range cols, ColumnHalo columns,
              int spins = -1);
  // Packs the columns of grid `grid` and starts every message.
  void Start(int grid);
  // Waits for them and unpacks the received columns into grid `grid`'s halo.
  void Finish(int grid);
  const HaloTimes& times() const { return times_; }
  void SetTimes(const HaloTimes& times = {}) { times_ = times; }
  long long bytes_sent() const { return bytes_sent_; }

 private:
  void AddRowMessages(MPI_Comm comm, int grid);
  void AddColumnMessages(MPI_Comm comm, int grid);

  HaloBlock block_;
  Range rows_, cols_;
  ColumnHalo columns_;
  int spins_;
  DatatypeHandle column_type_;
  // Packed columns: [0] west, [1] east.
  std::array<std::vector<double>, 2> send_, receive_;
  std::array<PersistentRequests, 2> requests_;  // one set per grid
  HaloTimes times_;
  long long bytes_sent_ = 0;
};

}  // namespace parlab
