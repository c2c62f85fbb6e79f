#include "app/primitives.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "core/kernel.h"
#include "core/mpi_util.h"
#include "core/phase_timer.h"
#include "harness/stats.h"

namespace parlab {
namespace {

template <class F>
double MedianSeconds(int repetitions, F&& once) {
  std::vector<double> times;
  for (int r = 0; r < repetitions; ++r) {
    const double start = NowSeconds();
    once();
    times.push_back(NowSeconds() - start);
  }
  return Median(times);
}

// A field of /proc/<pid>/status or smaps_rollup, in bytes (the files say kB).
double ProcBytes(const std::string& file, const std::string& field) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) * 1024;
  return -1;
}

// Resident memory per thread: 32 threads that touch 16 KiB of stack each and wait.
double ThreadMemoryBytes() {
  constexpr int kWorkers = 32;
  const double before = ProcBytes("/proc/self/status", "VmRSS");
  std::mutex mutex;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> ready{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < kWorkers; ++i)
    workers.emplace_back([&] {
      volatile char stack[16384];
      for (std::size_t b = 0; b < sizeof stack; b += 4096) stack[b] = 1;
      ++ready;
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] { return release; });
    });
  while (ready < kWorkers) std::this_thread::yield();
  const double after = ProcBytes("/proc/self/status", "VmRSS");
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  cv.notify_all();
  for (auto& w : workers) w.join();
  return (after - before) / kWorkers;
}

constexpr int kRounds = 20000;

// Context switch: ping-pong through a condition variable, per one-way hand-off.
double ContextSwitchSeconds() {
  std::mutex mutex;
  std::condition_variable cv;
  int turn = 0;
  const double start = NowSeconds();
  std::thread partner([&] {
    for (int i = 0; i < kRounds; ++i) {
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] { return turn == 1; });
      turn = 0;
      cv.notify_all();
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    std::unique_lock lock(mutex);
    turn = 1;
    cv.notify_all();
    cv.wait(lock, [&] { return turn == 0; });
  }
  partner.join();
  return (NowSeconds() - start) / (2.0 * kRounds);
}

// Communication: a 64-byte hand-off through shared memory (spinning flag), one way.
double SharedMemoryHandoffSeconds() {
  std::atomic<int> flag{0};
  alignas(64) char payload[64] = {};
  const double start = NowSeconds();
  std::thread echo([&] {
    for (int i = 0; i < kRounds; ++i) {
      while (flag.load(std::memory_order_acquire) != 1) {
      }
      payload[0] = static_cast<char>(payload[1] + 1);
      flag.store(0, std::memory_order_release);
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    payload[1] = static_cast<char>(i);
    flag.store(1, std::memory_order_release);
    while (flag.load(std::memory_order_acquire) != 0) {
    }
  }
  echo.join();
  return (NowSeconds() - start) / (2.0 * kRounds);
}

nlohmann::json Threads() {
  nlohmann::json out;
  out["create_join_s"] = MedianSeconds(200, [] { std::thread([] {}).join(); });
  out["memory_per_worker_bytes"] = ThreadMemoryBytes();
  out["context_switch_s"] = ContextSwitchSeconds();
  out["shared_memory_handoff_s"] = SharedMemoryHandoffSeconds();
  return out;
}

// Single-process figures for processes; run by rank 0 alone.
nlohmann::json Processes() {
  nlohmann::json out;
  out["fork_wait_s"] = MedianSeconds(100, [] {
    const pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, nullptr, 0);
  });
  // Memory: a forked child's resident and proportional (shared pages split) set.
  int pipe_to_parent[2];
  if (pipe(pipe_to_parent) == 0) {
    const pid_t child = fork();
    if (child == 0) {
      close(pipe_to_parent[0]);
      char ready = 1;
      if (write(pipe_to_parent[1], &ready, 1) != 1) _exit(1);
      pause();
      _exit(0);
    }
    close(pipe_to_parent[1]);
    char ready = 0;
    if (read(pipe_to_parent[0], &ready, 1) == 1) {
      const std::string proc = "/proc/" + std::to_string(child);
      out["memory_per_worker_rss_bytes"] = ProcBytes(proc + "/status", "VmRSS");
      out["memory_per_worker_pss_bytes"] = ProcBytes(proc + "/smaps_rollup", "Pss");
    }
    close(pipe_to_parent[0]);
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
  }
  // Context switch: ping-pong of one byte over two pipes between two processes.
  int there[2], back[2];
  if (pipe(there) == 0 && pipe(back) == 0) {
    const pid_t child = fork();
    if (child == 0) {
      char byte;
      for (int i = 0; i < kRounds; ++i)
        if (read(there[0], &byte, 1) != 1 || write(back[1], &byte, 1) != 1) _exit(1);
      _exit(0);
    }
    char byte = 1;
    const double start = NowSeconds();
    for (int i = 0; i < kRounds; ++i)
      if (write(there[1], &byte, 1) != 1 || read(back[0], &byte, 1) != 1) break;
    out["context_switch_s"] = (NowSeconds() - start) / (2.0 * kRounds);
    waitpid(child, nullptr, 0);
    for (int fd : {there[0], there[1], back[0], back[1]}) close(fd);
  }
  return out;
}

// MPI messages between ranks 0 and 1 (8 B latency, 4 MiB bandwidth, one way) and the
// cost of MPI_Comm_spawn; collective over world.
void MpiFigures(MPI_Comm world, const std::string& self_path, nlohmann::json& out) {
  const int rank = Rank(world);
  if (Size(world) >= 2) {
    for (const int bytes : {8, 4 << 20}) {
      std::vector<char> buffer(static_cast<std::size_t>(bytes), 1);
      const int rounds = bytes == 8 ? 10000 : 100;
      MPI_Barrier(world);
      const double start = MPI_Wtime();
      for (int i = 0; i < rounds && rank < 2; ++i) {
        if (rank == 0) {
          MPI_Send(buffer.data(), bytes, MPI_BYTE, 1, 0, world);
          MPI_Recv(buffer.data(), bytes, MPI_BYTE, 1, 0, world, MPI_STATUS_IGNORE);
        } else {
          MPI_Recv(buffer.data(), bytes, MPI_BYTE, 0, 0, world, MPI_STATUS_IGNORE);
          MPI_Send(buffer.data(), bytes, MPI_BYTE, 0, 0, world);
        }
      }
      const double one_way = (MPI_Wtime() - start) / (2.0 * rounds);
      if (bytes == 8) out["mpi_latency_8B_s"] = one_way;
      else out["mpi_bandwidth_4MiB_Bps"] = bytes / one_way;
    }
  } else {
    out["mpi_messages"] = "not measured: launch with 2 ranks";
  }
  // MPI_Comm_spawn of one process (errors returned, not fatal).
  MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
  if (rank == 0) {
    char subcommand[] = "primitives";
    char flag[] = "--spawned-child";
    char* args[] = {subcommand, flag, nullptr};
    MPI_Comm child = MPI_COMM_NULL;
    const double start = MPI_Wtime();
    const int code = MPI_Comm_spawn(self_path.c_str(), args, 1, MPI_INFO_NULL, 0, MPI_COMM_SELF,
                                    &child, MPI_ERRCODES_IGNORE);
    if (code == MPI_SUCCESS) {
      MPI_Barrier(child);
      const double spawned = MPI_Wtime() - start;
      MPI_Comm_disconnect(&child);
      out["mpi_comm_spawn_s"] = spawned;
    } else {
      out["mpi_comm_spawn"] = "fails here: " + MpiErrorText(code);
    }
  }
}

nlohmann::json Async() {
  // An event-loop task: register a pending deadline and complete it (heap push + pop).
  nlohmann::json out;
  constexpr int kTasks = 1 << 20;
  std::priority_queue<std::pair<double, int>, std::vector<std::pair<double, int>>, std::greater<>> loop;
  const double before = ProcBytes("/proc/self/status", "VmRSS");
  const double start = NowSeconds();
  for (int i = 0; i < kTasks; ++i) loop.push({NowSeconds(), i});
  const double after = ProcBytes("/proc/self/status", "VmRSS");
  while (!loop.empty()) loop.pop();
  out["create_complete_s"] = (NowSeconds() - start) / kTasks;
  out["memory_per_task_bytes"] = std::max(0.0, after - before) / kTasks;
  out["context_switch_s"] = 0.0;  // tasks yield inside one thread: no OS switch
  return out;
}

std::string Us(const nlohmann::json& figures, const char* group, const char* key) {
  if (!figures[group].contains(key)) return "-";
  const auto& value = figures[group][key];
  if (value.is_string()) return value.get<std::string>();
  const double seconds = value.get<double>();
  if (seconds < 1e-6) return fmt::format("{:.0f} ns", seconds * 1e9);
  if (seconds < 1e-3) return fmt::format("{:.2f} us", seconds * 1e6);
  return fmt::format("{:.2f} ms", seconds * 1e3);
}

std::string Bytes(const nlohmann::json& figures, const char* group, const char* key) {
  if (!figures[group].contains(key)) return "-";
  const double bytes = figures[group][key].get<double>();
  if (bytes < 1024) return fmt::format("{:.0f} B", bytes);
  if (bytes < 1 << 20) return fmt::format("{:.0f} KiB", bytes / 1024);
  return fmt::format("{:.1f} MiB", bytes / (1 << 20));
}

// Each kernel's own start-up costs (the python kernel's interpreter and multiprocessing
// workers), as a group "<kernel>_kernel" of figures; one that could not be measured is text.
// What each one timed goes to the "about" group, keyed "<group>_<figure>".
void KernelStartupCosts(nlohmann::json& figures) {
  for (const KernelInfo& kernel : KernelTable()) {
    if (!kernel.startup_costs) continue;
    const std::string name = kernel.name + "_kernel";
    nlohmann::json& group = figures[name];
    for (const StartupCost& cost : kernel.startup_costs()) {
      if (cost.seconds >= 0) group[cost.name] = cost.seconds;
      else group[cost.name] = "not measured: " + cost.unavailable;
      figures["about"][name + "_" + cost.name] = cost.description;
    }
  }
}

}  // namespace

nlohmann::json MeasurePrimitives(MPI_Comm world) {
  char self[4096] = {};
  const ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
  nlohmann::json figures;
  // Rank 0 measures the single-process figures while the others sleep-wait, so that no
  // busy-polling rank steals the cores being measured.
  if (Rank(world) == 0) {
    figures["threads"] = Threads();
    figures["processes"] = Processes();
    figures["async"] = Async();
    KernelStartupCosts(figures);
  }
  IdleBarrier(world);
  MpiFigures(world, length > 0 ? std::string(self) : "parlab", figures["processes"]);
  return figures;
}

std::string FormatPrimitives(const nlohmann::json& f) {
  const std::string spawn =
      f["processes"].contains("mpi_comm_spawn_s") ? Us(f, "processes", "mpi_comm_spawn_s")
                                                  : Us(f, "processes", "mpi_comm_spawn");
  std::string bandwidth = "-";
  if (f["processes"].contains("mpi_bandwidth_4MiB_Bps"))
    bandwidth = fmt::format("{:.1f} GiB/s", f["processes"]["mpi_bandwidth_4MiB_Bps"].get<double>() / (1 << 30));
  const std::vector<std::array<std::string, 4>> rows = {
      {"", "threads", "processes", "async (event loop)"},
      {"creation", "create+join " + Us(f, "threads", "create_join_s"),
       "fork+wait " + Us(f, "processes", "fork_wait_s") + "; MPI_Comm_spawn " + spawn,
       "task " + Us(f, "async", "create_complete_s")},
      {"memory per worker", Bytes(f, "threads", "memory_per_worker_bytes") + " (stack touched)",
       "RSS " + Bytes(f, "processes", "memory_per_worker_rss_bytes") + ", PSS " +
           Bytes(f, "processes", "memory_per_worker_pss_bytes"),
       Bytes(f, "async", "memory_per_task_bytes") + " per pending task"},
      {"context switch", "condition variable " + Us(f, "threads", "context_switch_s"),
       "pipe " + Us(f, "processes", "context_switch_s"), "none (one thread)"},
      {"communication", "shared memory " + Us(f, "threads", "shared_memory_handoff_s"),
       "MPI 8 B " + Us(f, "processes", "mpi_latency_8B_s") + ", 4 MiB " + bandwidth,
       "shared memory, same thread"},
  };
  std::array<std::size_t, 4> width{};
  for (const auto& row : rows)
    for (std::size_t c = 0; c < 4; ++c) width[c] = std::max(width[c], row[c].size());
  std::string text;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (std::size_t c = 0; c < 4; ++c)
      line += fmt::format("{:<{}}", rows[r][c], width[c] + (c < 3 ? 2 : 0));
    text += line.substr(0, line.find_last_not_of(' ') + 1) + "\n";
    if (r == 0) text += std::string(line.find_last_not_of(' ') + 1, '-') + "\n";
  }
  for (const auto& [group, values] : f.items()) {
    if (group.size() < 7 || group.compare(group.size() - 7, 7, "_kernel") != 0) continue;
    std::vector<std::string> parts;
    for (const auto& [name, value] : values.items()) {
      std::string label = name.substr(0, name.rfind("_s"));
      std::replace(label.begin(), label.end(), '_', ' ');
      parts.push_back(fmt::format("{} {}", label, Us(f, group.c_str(), name.c_str())));
    }
    text += fmt::format("{} start-up: {}\n", group.substr(0, group.size() - 7) + " kernel",
                        fmt::join(parts, "; "));
  }
  return text;
}

int RunSpawnedChild() {
  MPI_Comm parent = MPI_COMM_NULL;
  MPI_Comm_get_parent(&parent);
  if (parent == MPI_COMM_NULL) return 2;
  MPI_Barrier(parent);
  MPI_Comm_disconnect(&parent);
  return 0;
}

}  // namespace parlab
