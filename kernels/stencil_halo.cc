#include "kernels/stencil_halo.h"

#include <algorithm>

#include "core/phase_timer.h"

namespace parlab {
namespace {

// Tags name the direction a message travels: a rank receives from its south neighbour
// what that neighbour sent north.
constexpr int kNorthward = 0, kSouthward = 1, kWestward = 2, kEastward = 3;

}  // namespace

HaloSegment::HaloSegment(MPI_Comm comm, const HaloBlock& block, Range rows, Range cols,
                         ColumnHalo columns, HaloRequests requests, int spins)
    : comm_(comm), block_(block), rows_(rows), cols_(cols), columns_(columns), spins_(spins) {
  const bool sides = block.west != MPI_PROC_NULL || block.east != MPI_PROC_NULL;
  if (sides && rows_.size() > 0) {
    if (columns_ == ColumnHalo::kDatatype) {
      MPI_Type_vector(static_cast<int>(rows_.size()), 1, static_cast<int>(block.lc + 2), MPI_DOUBLE,
                      column_type_.out());
      MPI_Type_commit(column_type_.in_place());
    } else {
      for (int side = 0; side < 2; ++side) {
        send_[side].assign(static_cast<std::size_t>(rows_.size()), 0.0);
        receive_[side].assign(static_cast<std::size_t>(rows_.size()), 0.0);
      }
    }
  }
  for (int grid = 0; grid < 2; ++grid) {  // per neighbour, its receive is posted before its send
    AddRowMessages(grid);
    AddColumnMessages(grid);
  }
  long long largest = 0;  // of the messages this segment really sends
  for (const Message& m : messages_[0]) {
    int size = 0;
    MPI_Type_size(m.type, &size);
    const long long bytes = static_cast<long long>(size) * m.count;
    largest = std::max(largest, bytes);
    if (m.send) bytes_sent_ += bytes;
  }
  persistent_ = requests == HaloRequests::kPersistent ||
                (requests == HaloRequests::kAuto && largest > kImmediateMaxBytes);
  if (!persistent_) {
    posted_.Resize(static_cast<int>(messages_[0].size()));
    return;
  }
  for (int grid = 0; grid < 2; ++grid)
    for (const Message& m : messages_[grid]) {
      if (m.send)
        MPI_Send_init(m.buffer, m.count, m.type, m.peer, m.tag, comm_, requests_[grid].Add());
      else
        MPI_Recv_init(m.buffer, m.count, m.type, m.peer, m.tag, comm_, requests_[grid].Add());
    }
}

void HaloSegment::AddRowMessages(int grid) {
  if (cols_.size() == 0) return;
  double* g = block_.grids[grid];
  const long long w = block_.lc + 2, c = 1 + cols_.begin;
  const int n = static_cast<int>(cols_.size());
  if (block_.north != MPI_PROC_NULL) {
    Add(grid, {g + c, n, MPI_DOUBLE, block_.north, kSouthward, false});
    Add(grid, {g + w + c, n, MPI_DOUBLE, block_.north, kNorthward, true});
  }
  if (block_.south != MPI_PROC_NULL) {
    Add(grid, {g + (block_.lr + 1) * w + c, n, MPI_DOUBLE, block_.south, kNorthward, false});
    Add(grid, {g + block_.lr * w + c, n, MPI_DOUBLE, block_.south, kSouthward, true});
  }
}

void HaloSegment::AddColumnMessages(int grid) {
  if (rows_.size() == 0) return;
  double* first = block_.grids[grid] + (1 + rows_.begin) * (block_.lc + 2);  // column 0 of the first row
  const int peers[2] = {block_.west, block_.east};
  const int inward[2] = {kEastward, kWestward};  // what a side's neighbour sends us
  const int outward[2] = {kWestward, kEastward};
  const long long halo[2] = {0, block_.lc + 1}, edge[2] = {1, block_.lc};
  for (int side = 0; side < 2; ++side) {
    if (peers[side] == MPI_PROC_NULL) continue;
    if (columns_ == ColumnHalo::kDatatype) {
      Add(grid, {first + halo[side], 1, column_type_.get(), peers[side], inward[side], false});
      Add(grid, {first + edge[side], 1, column_type_.get(), peers[side], outward[side], true});
    } else {
      const int n = static_cast<int>(rows_.size());
      Add(grid, {receive_[side].data(), n, MPI_DOUBLE, peers[side], inward[side], false});
      Add(grid, {send_[side].data(), n, MPI_DOUBLE, peers[side], outward[side], true});
    }
  }
}

void HaloSegment::Start(int grid) {
  const double start = NowSeconds();
  double packed = start;
  if (!send_[0].empty()) {
    const double* first = block_.grids[grid] + (1 + rows_.begin) * (block_.lc + 2);
    const long long w = block_.lc + 2, edge[2] = {1, block_.lc};
    const int peers[2] = {block_.west, block_.east};
    for (int side = 0; side < 2; ++side) {
      if (peers[side] == MPI_PROC_NULL) continue;
      double* out = send_[side].data();
      for (long long i = 0; i < rows_.size(); ++i) out[i] = first[i * w + edge[side]];
    }
    packed = NowSeconds();
  }
  if (persistent_) {
    requests_[grid].StartAll();
  } else {
    int i = 0;
    for (const Message& m : messages_[grid]) {
      if (m.send)
        MPI_Isend(m.buffer, m.count, m.type, m.peer, m.tag, comm_, &posted_[i++]);
      else
        MPI_Irecv(m.buffer, m.count, m.type, m.peer, m.tag, comm_, &posted_[i++]);
    }
  }
  times_.pack += packed - start;
  times_.post += NowSeconds() - packed;
}

void HaloSegment::Finish(int grid) {
  const double start = NowSeconds();
  if (persistent_)
    requests_[grid].WaitAll(spins_);
  else
    posted_.WaitAll(spins_);
  const double waited = NowSeconds();
  times_.wait += waited - start;
  if (!receive_[0].empty()) {
    double* first = block_.grids[grid] + (1 + rows_.begin) * (block_.lc + 2);
    const long long w = block_.lc + 2, halo[2] = {0, block_.lc + 1};
    const int peers[2] = {block_.west, block_.east};
    for (int side = 0; side < 2; ++side) {
      if (peers[side] == MPI_PROC_NULL) continue;
      const double* in = receive_[side].data();
      for (long long i = 0; i < rows_.size(); ++i) first[i * w + halo[side]] = in[i];
    }
    times_.unpack += NowSeconds() - waited;
  }
  ++times_.exchanges;
}

}  // namespace parlab
