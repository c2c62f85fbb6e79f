// The one clock every measurement reads: monotonic, in seconds.
#pragma once

#include <chrono>

namespace parlab {

inline double NowSeconds() {
  using Clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

}  // namespace parlab
