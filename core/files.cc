#include "core/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "core/errors.h"

namespace parlab {

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) close(fd_);
}

FileDescriptor::FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

std::string FileDescriptor::Close(const std::string& path) {
  if (fd_ < 0) return "";
  const int result = close(std::exchange(fd_, -1));
  return result == 0 ? "" : path + ": cannot close: " + std::strerror(errno);
}

FileDescriptor CreateNewFile(const std::string& path, std::string* error, int mode) {
  const int fd = open(path.c_str(), O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, mode);
  if (fd < 0) {
    const std::string kind = FileKind(path);
    *error = path + ": cannot create: " +
             (errno == EEXIST && !kind.empty() ? "something is already there (" + kind + ")"
                                               : std::string(std::strerror(errno)));
  }
  return FileDescriptor(fd);
}

std::string FileKind(const std::string& path) {
  struct stat info {};
  if (lstat(path.c_str(), &info) != 0) return "";
  if (S_ISREG(info.st_mode)) return "a regular file";
  if (S_ISDIR(info.st_mode)) return "a directory";
  if (S_ISLNK(info.st_mode)) return "a symbolic link";
  if (S_ISCHR(info.st_mode)) return "a character device";
  if (S_ISBLK(info.st_mode)) return "a block device";
  if (S_ISFIFO(info.st_mode)) return "a FIFO";
  if (S_ISSOCK(info.st_mode)) return "a socket";
  return "not a regular file";
}

std::string CheckReplaceable(const std::string& path) {
  const std::string kind = FileKind(path);
  return kind.empty() || kind == "a regular file" ? "" : kind;
}

std::string WriteAll(int fd, const std::string& text, const std::string& path) {
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return path + ": cannot write: " + std::strerror(errno);
    done += static_cast<std::size_t>(n);
  }
  return "";
}

std::string ReadBoundedFile(const std::string& path, std::uint64_t max_bytes, bool follow_symlink) {
  const int fd = open(path.c_str(),
                      O_RDONLY | O_NONBLOCK | O_CLOEXEC | (follow_symlink ? 0 : O_NOFOLLOW));
  if (fd < 0) {
    const std::string kind = FileKind(path);
    throw ConfigError(path + ": cannot read: " +
                      (kind == "a symbolic link" ? "it is a symbolic link (not followed)"
                                                 : std::string(std::strerror(errno))));
  }
  FileDescriptor file(fd);
  struct stat info {};
  if (fstat(fd, &info) != 0) throw ConfigError(path + ": cannot stat: " + std::strerror(errno));
  if (!S_ISREG(info.st_mode))
    throw ConfigError(path + ": not a regular file (" +
                      (S_ISDIR(info.st_mode) ? std::string("a directory") : FileKind(path)) + ")");
  if (static_cast<std::uint64_t>(info.st_size) > max_bytes)
    throw ConfigError(path + ": " + std::to_string(info.st_size) + " bytes is more than the " +
                      std::to_string(max_bytes) + " parlab reads from such a file");
  // Read to the end rather than st_size bytes: files under /proc report a size of 0.
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ConfigError(path + ": cannot read: " + std::strerror(errno));
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > max_bytes)
      throw ConfigError(path + ": more than the " + std::to_string(max_bytes) +
                        " bytes parlab reads from such a file");
  }
  return text;
}
std::string WriteFileAtomically(const std::string& path, const std::string& text) {
  if (const std::string kind = CheckReplaceable(path); !kind.empty())
    return path + ": is " + kind + ", not a file parlab may replace";
  std::string name = path + ".XXXXXX";
  const int fd = mkstemp(name.data());
  if (fd < 0) return path + ": cannot create a file beside it: " + std::strerror(errno);
  FileDescriptor file(fd);
  std::string error = WriteAll(fd, text, name);
  if (error.empty() && fsync(fd) != 0) error = name + ": cannot sync: " + std::strerror(errno);
  if (error.empty()) error = file.Close(name);
  if (error.empty() && std::rename(name.c_str(), path.c_str()) != 0)
    error = path + ": cannot rename " + name + " to it: " + std::strerror(errno);
  if (!error.empty()) unlink(name.c_str());
  return error;
}

bool SameFile(const std::string& a, const std::string& b) {
  struct stat x {}, y {};
  return stat(a.c_str(), &x) == 0 && stat(b.c_str(), &y) == 0 && x.st_dev == y.st_dev &&
         x.st_ino == y.st_ino;
}

}  // namespace parlab
