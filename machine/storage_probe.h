// Storage ceilings: write bandwidth of a directory, into the page cache and through to the
// device (fsync), with a scratch file that is always removed.
#pragma once

#include <cstddef>
#include <string>

#include "machine/ceilings.h"

namespace parlab {

struct StorageProbeSettings {
  std::size_t file_bytes = 64u << 20;
  std::size_t block_bytes = 4u << 20;
  int trials = 3;
};

// Never throws: a directory that cannot take a scratch file (missing, not writable, full)
// gives unavailable ceilings that say why.
StorageCeilings MeasureStorage(const std::string& dir, const StorageProbeSettings& settings);

// A new file with an unpredictable name in `dir`, created O_EXCL | O_NOFOLLOW (never an
// existing file or a symbolic link), closed and removed when this goes out of scope.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& dir);  // throws std::runtime_error with errno text
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  int dir_fd_ = -1;
  int fd_ = -1;
  std::string name_;
  std::string path_;
};

// A name for a new file: `prefix` and 16 random hex digits (getrandom).
std::string RandomFileName(const std::string& prefix);

}  // namespace parlab
