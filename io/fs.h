// What the file systems parlab writes to can take, and which MPI-IO component is in use.
#pragma once

#include <cstdint>
#include <string>

namespace parlab {

// Bytes available to unprivileged writers on the file system holding `path` (statvfs);
// UINT64_MAX when it cannot be told. A nonblocking write that fails (e.g. ENOSPC) crashes
// MPI_Wait in Open MPI 4.1, so nonblocking writes are checked against this first.
std::uint64_t FreeBytes(const std::string& path);

// Which file system `path` is on, as a key equal for every rank that writes to the same
// one: a network file system (NFS, Lustre, GPFS, BeeGFS, CephFS...) by its type and id,
// any other by the machine (boot id) and device, so ranks of emulated nodes on one machine
// count together and node-local disks of different machines count apart.
std::string FileSystemKey(const std::string& path);

// The directory part of a path ("." when it has none).
std::string DirectoryOf(const std::string& path);

// True when Open MPI is told to use ROMIO for MPI-IO (OMPI_MCA_io, or an `io` line in
// the MCA parameter files, naming romio or excluding ompio). ROMIO's nonblocking
// collectives crash in Open MPI 4.1 (and its files report no hints to tell), so callers
// avoid those calls.
bool RomioSelected();

}  // namespace parlab
