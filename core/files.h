// Creating, replacing and reading files safely in directories other users may write to
// (a shared scratch directory, /tmp): parlab writes only regular files it created itself
// or verified to be regular files it may replace, never through a symlink, and reads
// nothing without a bound. Every function reports failure with a message naming the path.
#pragma once

#include <cstdint>
#include <string>

namespace parlab {

// An open file descriptor, closed when the object goes away.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor();
  FileDescriptor(FileDescriptor&& other) noexcept;
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Closes now; "" or the error.
  std::string Close(const std::string& path);

 private:
  int fd_ = -1;
};

// Creates `path` new (O_CREAT | O_EXCL | O_NOFOLLOW): fails if anything exists there.
// Returns an invalid descriptor and sets *error on failure.
FileDescriptor CreateNewFile(const std::string& path, std::string* error, int mode = 0644);

// "" when `path` does not exist or is a regular file (not a symlink) that may be replaced
// by a rename; otherwise what it is ("a directory", "a symbolic link", "a device"...).
std::string CheckReplaceable(const std::string& path);

// What kind of file `path` is, without following a symlink: "a regular file", "a
// directory", "a symbolic link", "a character device", "a block device", "a FIFO",
// "a socket"; "" when it does not exist.
std::string FileKind(const std::string& path);

// Writes all of `text` to fd; "" or the error naming `path`.
std::string WriteAll(int fd, const std::string& text, const std::string& path);

// Reads a whole regular file of at most max_bytes, refusing devices, FIFOs, anything
// larger and (unless `follow_symlink`) symlinks; throws ConfigError naming the path and
// what is wrong.
std::string ReadBoundedFile(const std::string& path, std::uint64_t max_bytes,
                            bool follow_symlink = false);

// Writes `text` to `path` all at once: into a new file of an unpredictable name in the same
// directory (created exclusively), synced, then renamed over `path`, which must be absent
// or a regular file. "" or the error naming the path.
std::string WriteFileAtomically(const std::string& path, const std::string& text);

// True when two paths name the same file (same device and inode).
bool SameFile(const std::string& a, const std::string& b);

}  // namespace parlab
