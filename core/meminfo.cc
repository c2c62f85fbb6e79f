#include "core/meminfo.h"

#include <fstream>
#include <string>

namespace parlab {
namespace {

double MeminfoBytes(const std::string& wanted) {
  std::ifstream in("/proc/meminfo");
  for (std::string key; in >> key;) {
    double kilobytes = 0;
    in >> kilobytes;
    if (key == wanted) return kilobytes * 1024;
    in.ignore(256, '\n');
  }
  return 0;
}

}  // namespace

double MemAvailableBytes() { return MeminfoBytes("MemAvailable:"); }
double MemTotalBytes() { return MeminfoBytes("MemTotal:"); }

}  // namespace parlab
