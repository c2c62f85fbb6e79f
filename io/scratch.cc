#include "io/scratch.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "core/collective.h"
#include "core/mpi_util.h"

namespace parlab {

std::string CheckPrivateDirectory(const std::string& path) {
  struct stat info {};
  if (lstat(path.c_str(), &info) != 0) return path + ": " + std::strerror(errno);
  if (S_ISLNK(info.st_mode)) return path + " is a symbolic link";
  if (!S_ISDIR(info.st_mode)) return path + " is not a directory";
  if (info.st_uid != geteuid()) return path + " belongs to another user";
  if ((info.st_mode & 0077) != 0) return path + " is open to other users";
  return "";
}

ScratchDir::ScratchDir(MPI_Comm comm, const std::string& parent, bool keep)
    : comm_(comm), keep_(keep) {
  std::string error;
  if (Rank(comm) == 0) {
    std::string name = parent + "/parlab-XXXXXX";
    std::vector<char> buffer(name.begin(), name.end());
    buffer.push_back('\0');
    if (mkdtemp(buffer.data()) == nullptr) {
      error = "cannot create a scratch directory in " + parent + ": " + std::strerror(errno);
    } else {
      path_ = buffer.data();
      created_here_ = true;
    }
  }
  AgreeOrThrow(comm, error);
  path_ = BroadcastString(comm, path_);
  if (!created_here_) {
    struct stat info {};
    if (lstat(path_.c_str(), &info) != 0 && errno == ENOENT) {  // another node's file system
      if (mkdir(path_.c_str(), 0700) == 0) created_here_ = true;
    }
    error = CheckPrivateDirectory(path_);
  }
  AgreeOrThrow(comm, error);
}

ScratchDir::~ScratchDir() {
  if (keep_) return;
  if (!RunIsAbandoned()) MPI_Barrier(comm_);  // every rank has closed its files
  if (!created_here_) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);  // never follows symlinks inside
}

}  // namespace parlab
