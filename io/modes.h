// The ways parlab can write a checkpoint (one backend each, see backend.h) and lay out
// its files.
#pragma once

#include "core/enum_names.h"

namespace parlab {

enum class IoMode { kBlocking, kNonblocking, kIndependent, kHdf5 };
inline constexpr EnumNames<IoMode, 4> kIoModeNames{{{{IoMode::kBlocking, "blocking"},
                                                     {IoMode::kNonblocking, "nonblocking"},
                                                     {IoMode::kIndependent, "independent"},
                                                     {IoMode::kHdf5, "hdf5"}}}};

enum class IoLayout { kSharedFile, kFilePerRank };
inline constexpr EnumNames<IoLayout, 2> kIoLayoutNames{
    {{{IoLayout::kSharedFile, "shared-file"}, {IoLayout::kFilePerRank, "file-per-rank"}}}};

}  // namespace parlab
