// The kernel's view of this node's memory (/proc/meminfo).
#pragma once

namespace parlab {

// MemAvailable in bytes: what can be allocated without swapping; 0 when unknown.
double MemAvailableBytes();
// MemTotal in bytes; 0 when unknown.
double MemTotalBytes();

}  // namespace parlab
