// The ways parlab can write a checkpoint (one backend each, see backend.h), lay out its
// files, and make a nonblocking write progress (progress.h).
#pragma once

#include "core/enum_names.h"

namespace parlab {

enum class IoMode { kBlocking, kNonblocking, kIndependent, kHdf5, kNonblockingIndependent };
inline constexpr EnumNames<IoMode, 5> kIoModeNames{
    {{{IoMode::kBlocking, "blocking"},
      {IoMode::kNonblocking, "nonblocking"},
      {IoMode::kIndependent, "independent"},
      {IoMode::kHdf5, "hdf5"},
      {IoMode::kNonblockingIndependent, "nonblocking-independent"}}}};

enum class IoLayout { kSharedFile, kFilePerRank };
inline constexpr EnumNames<IoLayout, 2> kIoLayoutNames{
    {{{IoLayout::kSharedFile, "shared-file"}, {IoLayout::kFilePerRank, "file-per-rank"}}}};

// How a nonblocking write progresses while the compute runs. auto: chosen per run
// (ResolveProgress); none: posted, then nothing until the wait; test: posted, then MPI_Test
// between compute chunks; thread: a helper thread posts it and polls MPI_Test with
// growing sleeps, then syncs; helper: a helper thread writes with the blocking form of the
// mode's call, then syncs. Neither helper ever sits in Open MPI's busy-polling MPI_Wait.
enum class IoProgress { kAuto, kNone, kTest, kThread, kHelper };
inline constexpr EnumNames<IoProgress, 5> kIoProgressNames{{{{IoProgress::kAuto, "auto"},
                                                             {IoProgress::kNone, "none"},
                                                             {IoProgress::kTest, "test"},
                                                             {IoProgress::kThread, "thread"},
                                                             {IoProgress::kHelper, "helper"}}}};

}  // namespace parlab
