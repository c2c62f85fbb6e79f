// A private directory for a run's scratch files: created with an unpredictable name and
// mode 0700 inside the directory the user chose (often a world-writable one like /tmp),
// so nothing another user planted (a symlink, a FIFO) can be written through. Removed
// with everything in it when the object goes away, unless kept.
#pragma once

#include <mpi.h>

#include <string>

namespace parlab {

class ScratchDir {
 public:
  // Collective over comm. Rank 0 creates the directory; a rank on another node whose file
  // system does not show it (a node-local /tmp) creates the same name there. Throws
  // std::runtime_error (the same on every rank) naming the directory when it cannot.
  ScratchDir(MPI_Comm comm, const std::string& parent, bool keep);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  MPI_Comm comm_;
  std::string path_;
  bool keep_;
  bool created_here_ = false;  // this rank made it (and removes it)
};

// Checks that `path` is a directory this process owns, not a symlink, mode 0700; the
// reason when it is not ("" when it is).
std::string CheckPrivateDirectory(const std::string& path);

}  // namespace parlab
