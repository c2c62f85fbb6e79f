// parlab check: is this machine quiet enough to measure on? (after pyperf's system show)
#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "app/commands.h"
#include "core/files.h"
#include "core/meminfo.h"
#include "core/mpi_util.h"
#include "harness/machine_state.h"

extern char** environ;

namespace parlab {
namespace {

enum class Level { kOk, kNote, kWarn };

struct Finding {
  Level level;
  std::string what;     // what was found
  std::string meaning;  // what it means for measurements
  std::string fix;      // how to fix it ("" when nothing to do)
};

std::string ReadOrEmpty(const std::string& path) {
  try {
    return ReadBoundedFile(path, 1 << 20, /*follow_symlink=*/true);
  } catch (const std::exception&) {
    return "";
  }
}

std::string Trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

Finding Cores() {
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  cpu_set_t set;
  CPU_ZERO(&set);
  const int usable = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : -1;
  if (usable >= 0 && usable < online)
    return {Level::kNote, fmt::format("{} CPUs online, this process may use {} of them", online, usable),
            "the launcher bound it: runs are planned within those CPUs",
            "to give parlab the whole node: mpirun --bind-to none, srun --cpu-bind=none"};
  return {Level::kOk, fmt::format("{} CPUs online, all usable by this process", online), "", ""};
}

Finding Governor() {
  std::map<std::string, int> governors;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/devices/system/cpu", error)) {
    const std::string text = Trim(ReadOrEmpty(entry.path().string() + "/cpufreq/scaling_governor"));
    if (!text.empty()) ++governors[text];
  }
  if (governors.empty())
    return {Level::kNote, "no cpufreq governor visible (a virtual machine?)",
            "the host sets the clock: watch the clock's spread below and the report's cpu_mhz", ""};
  std::string list;
  for (const auto& [name, count] : governors) list += fmt::format("{}{} ({} CPUs)", list.empty() ? "" : ", ", name, count);
  if (governors.size() == 1 && governors.count("performance"))
    return {Level::kOk, "frequency governor: " + list, "", ""};
  return {Level::kWarn, "frequency governor: " + list,
          "the clock follows the load: the first repetitions run slower and runs drift",
          "cpupower frequency-set -g performance (as root)"};
}

Finding Turbo() {
  const std::string no_turbo = Trim(ReadOrEmpty("/sys/devices/system/cpu/intel_pstate/no_turbo"));
  const std::string boost = Trim(ReadOrEmpty("/sys/devices/system/cpu/cpufreq/boost"));
  if (no_turbo.empty() && boost.empty())
    return {Level::kNote, "turbo/boost state not visible", "if the host boosts, the clock varies with load and heat", ""};
  const bool on = no_turbo == "0" || boost == "1";
  if (!on) return {Level::kOk, "turbo/boost off", "", ""};
  return {Level::kWarn, "turbo/boost on",
          "the clock depends on how many cores are busy and on temperature: one core alone "
          "runs faster than all, which favours serial runs",
          no_turbo.empty() ? "echo 0 > /sys/devices/system/cpu/cpufreq/boost"
                           : "echo 1 > /sys/devices/system/cpu/intel_pstate/no_turbo"};
}

// Per process, CPU ticks (utime + stime) from /proc/PID/stat.
std::map<int, std::pair<std::string, double>> ProcessTicks() {
  std::map<int, std::pair<std::string, double>> ticks;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const std::string stat = ReadOrEmpty(entry.path().string() + "/stat");
    const auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::atof(field.c_str());
      if (i == 15) stime = std::atof(field.c_str());
    }
    ticks[std::stoi(name)] = {stat.substr(open + 1, close - open - 1), utime + stime};
  }
  return ticks;
}

struct Window {
  MachineState before, after;
  std::map<int, std::pair<std::string, double>> ticks_before, ticks_after;
  double seconds;
};

Window Observe(double seconds) {
  Window w{ReadMachineState(), {}, ProcessTicks(), {}, seconds};
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  w.after = ReadMachineState();
  w.ticks_after = ProcessTicks();
  return w;
}

Finding Steal(const Window& w) {
  const double steal = StealShare(w.before, w.after);
  const std::string what = fmt::format("steal time {:.1f} % over {:.0f} s", 100 * steal, w.seconds);
  if (steal < 0.01) return {Level::kOk, what, "", ""};
  return {Level::kWarn, what,
          "the hypervisor gives this VM's CPUs to others: timings jump between minutes",
          "measure on a dedicated instance or at a quieter time; keep precision and max_time "
          "so parlab measures until the intervals are narrow"};
}

Finding Clock(const Window& w) {
  if (w.before.cpu_mhz <= 0) return {Level::kNote, "CPU clock not visible", "", ""};
  const double change = std::abs(w.after.cpu_mhz - w.before.cpu_mhz) / w.before.cpu_mhz;
  const std::string what = fmt::format("mean CPU clock {:.0f} MHz, then {:.0f} MHz", w.before.cpu_mhz,
                                       w.after.cpu_mhz);
  if (change < 0.05) return {Level::kOk, what, "", ""};
  return {Level::kWarn, what, "the clock moved while the machine was idle: timings will drift",
          "set the performance governor and disable turbo (see above)"};
}

Finding BusyProcesses(const Window& w) {
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::vector<std::pair<double, std::string>> busy;
  for (const auto& [pid, after] : w.ticks_after) {
    const auto before = w.ticks_before.find(pid);
    if (before == w.ticks_before.end() || pid == getpid()) continue;
    const double share = (after.second - before->second.second) / hz / w.seconds;
    if (share >= 0.1) busy.emplace_back(share, fmt::format("{} (pid {}, {:.0f} % of a CPU)", after.first, pid, 100 * share));
  }
  std::sort(busy.rbegin(), busy.rend());
  if (busy.empty()) return {Level::kOk, "no other process used 10 % of a CPU or more", "", ""};
  std::string list;
  for (std::size_t i = 0; i < busy.size() && i < 4; ++i) list += (i ? ", " : "") + busy[i].second;
  return {Level::kWarn, fmt::format("{} busy process(es): {}", busy.size(), list),
          "they compete with the measured threads for the cores", "stop them, or measure elsewhere"};
}

Finding Memory() {
  const double total = MemTotalBytes(), available = MemAvailableBytes();
  if (total <= 0) return {Level::kNote, "memory not visible", "", ""};
  const std::string what = fmt::format("{:.1f} GiB of {:.1f} GiB memory available",
                                       available / (1 << 30), total / (1 << 30));
  if (available / total >= 0.2) return {Level::kOk, what, "", ""};
  return {Level::kWarn, what, "large working sets may swap or hit the page cache's limits",
          "free memory, or use smaller sizes"};
}

Finding OpenMpEnvironment() {
  std::string set, warn;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (entry.rfind("OMP_", 0) != 0 && entry.rfind("GOMP_", 0) != 0) continue;
    set += (set.empty() ? "" : ", ") + entry;
    if (entry == "OMP_WAIT_POLICY=active" || entry == "OMP_WAIT_POLICY=ACTIVE") warn = entry;
  }
  if (!warn.empty())
    return {Level::kWarn, "OpenMP environment: " + set,
            "idle threads spin and steal cores from ranks and helper threads", "unset OMP_WAIT_POLICY or set it to passive"};
  if (set.empty()) return {Level::kOk, "no OMP_* variables set (parlab sizes its own teams)", "", ""};
  return {Level::kNote, "OpenMP environment: " + set,
          "parlab sets each run's team size itself; binding variables (OMP_PROC_BIND, "
          "OMP_PLACES) apply to every run", ""};
}

Finding RanksHere(MPI_Comm world) {
  const int ranks = Size(world);
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  const std::string what = fmt::format("{} MPI rank(s) in this launch, {} CPUs on this node", ranks, online);
  return {Level::kOk, what, "", ""};
}

const char* LevelText(Level level) {
  switch (level) {
    case Level::kOk: return "ok  ";
    case Level::kNote: return "note";
    case Level::kWarn: return "WARN";
  }
  return "";
}

}  // namespace

int CheckCommand(MPI_Comm world, double seconds) {
  if (Rank(world) != 0) {
    IdleBarrier(world);
    return 0;
  }
  std::vector<Finding> findings = {Cores(), RanksHere(world), Governor(), Turbo(), Memory(),
                                   OpenMpEnvironment()};
  fmt::print("parlab check: watching the machine for {:.0f} s ...\n", seconds);
  std::fflush(stdout);
  const Window window = Observe(seconds);
  findings.push_back(Steal(window));
  findings.push_back(Clock(window));
  findings.push_back(BusyProcesses(window));
  int warnings = 0;
  for (const Finding& f : findings) {
    fmt::print("{}  {}\n", LevelText(f.level), f.what);
    if (!f.meaning.empty()) fmt::print("      means: {}\n", f.meaning);
    if (!f.fix.empty()) fmt::print("      fix:   {}\n", f.fix);
    warnings += f.level == Level::kWarn ? 1 : 0;
  }
  fmt::print("{}\n", warnings == 0 ? "parlab check: the machine looks quiet enough to measure on"
                                   : fmt::format("parlab check: {} warning(s): expect noisy "
                                                 "measurements (exit 1)", warnings));
  IdleBarrier(world);
  return warnings == 0 ? 0 : 1;
}

}  // namespace parlab
