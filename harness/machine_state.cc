#include "harness/machine_state.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>

#include "core/files.h"

namespace parlab {
namespace {

constexpr std::uint64_t kMaxProcBytes = 1 << 20;

std::string ReadOrEmpty(const std::string& path) {
  try {
    return ReadBoundedFile(path, kMaxProcBytes, /*follow_symlink=*/true);
  } catch (const std::exception&) {
    return "";
  }
}

// Mean of cpufreq's scaling_cur_freq (kHz) over the CPUs that have it; 0 when none has.
double CpufreqMhz() {
  double sum = 0;
  int count = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/devices/system/cpu", error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("cpu", 0) != 0 || name.size() < 4 || !std::isdigit(static_cast<unsigned char>(name[3])))
      continue;
    const std::string text = ReadOrEmpty(entry.path().string() + "/cpufreq/scaling_cur_freq");
    try {
      if (!text.empty()) {
        sum += std::stod(text) / 1000;
        ++count;
      }
    } catch (const std::exception&) {
    }
  }
  return count > 0 ? sum / count : 0;
}

// Mean of /proc/cpuinfo's "cpu MHz" lines (virtual machines often have no cpufreq).
double CpuinfoMhz() {
  std::istringstream in(ReadOrEmpty("/proc/cpuinfo"));
  double sum = 0;
  int count = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("cpu MHz", 0) != 0) continue;
    const auto colon = line.find(':');
    try {
      if (colon != std::string::npos) {
        sum += std::stod(line.substr(colon + 1));
        ++count;
      }
    } catch (const std::exception&) {
    }
  }
  return count > 0 ? sum / count : 0;
}

}  // namespace

MachineState ReadMachineState() {
  MachineState state;
  std::istringstream stat(ReadOrEmpty("/proc/stat"));
  std::string label;
  stat >> label;
  if (label == "cpu") {
    // user nice system idle iowait irq softirq steal guest guest_nice
    double ticks[8] = {};
    for (double& t : ticks) stat >> t;
    if (stat) {
      for (double t : ticks) state.total_ticks += t;
      state.steal_ticks = ticks[7];
    }
  }
  state.cpu_mhz = CpufreqMhz();
  if (state.cpu_mhz == 0) state.cpu_mhz = CpuinfoMhz();
  return state;
}

double StealShare(const MachineState& before, const MachineState& after) {
  const double total = after.total_ticks - before.total_ticks;
  const double steal = after.steal_ticks - before.steal_ticks;
  if (!(total > 0) || steal < 0) return 0;
  return std::clamp(steal / total, 0.0, 1.0);
}

}  // namespace parlab
