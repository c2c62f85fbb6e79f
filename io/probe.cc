#include "io/probe.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "io/checkpoint.h"
#include "core/collective.h"

namespace parlab {
namespace {

constexpr int kBytes = 8 << 20;  // per rank

std::string Describe(int code) { return code == MPI_SUCCESS ? "works" : "fails: " + MpiErrorText(code); }

}  // namespace

std::vector<std::pair<std::string, std::string>> ProbeNonblockingIo(MPI_Comm comm,
                                                                    const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> facts;
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  int ranks = 1;
  MPI_Comm_size(comm, &ranks);
  // A failing nonblocking write crashes MPI_Wait in Open MPI 4.1: probe only with room.
  std::uint64_t free_bytes = FreeBytes(dir);
  MPI_Bcast(&free_bytes, 1, MPI_UINT64_T, 0, comm);
  const std::uint64_t needed = static_cast<std::uint64_t>(kBytes) * ranks;
  if (free_bytes < 2 * needed) {
    facts.emplace_back("io_probe", "not run: " + dir + " has " + std::to_string(free_bytes) +
                                       " bytes free, the probe needs " +
                                       std::to_string(2 * needed));
    return facts;
  }
  const std::string path = BroadcastString(
      comm, dir + "/parlab-io-probe-" + std::to_string(getpid()) + ".dat");
  MPI_File file = MPI_FILE_NULL;
  const int opened = MPI_File_open(comm, path.c_str(), MPI_MODE_CREATE | MPI_MODE_RDWR,
                                   MPI_INFO_NULL, &file);
  int all_opened = opened == MPI_SUCCESS ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &all_opened, 1, MPI_INT, MPI_MIN, comm);
  if (all_opened == 0) {
    if (file != MPI_FILE_NULL) MPI_File_close(&file);
    facts.emplace_back("io_probe", "not run: cannot open " + path + ": " + MpiErrorText(opened));
    return facts;
  }
  MPI_File_set_errhandler(file, MPI_ERRORS_RETURN);
  int romio = RomioSelected() ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &romio, 1, MPI_INT, MPI_MAX, comm);
  facts.emplace_back("io_probe_component", romio ? "ROMIO (selected by OMPI_MCA_io or MCA files)"
                                                 : "Open MPI's default (OMPIO)");
  std::vector<char> data(kBytes), back(kBytes);
  for (int i = 0; i < kBytes; ++i) data[i] = static_cast<char>((i * 7 + rank) & 0x7f);
  const MPI_Offset at = static_cast<MPI_Offset>(rank) * kBytes;

  // Which nonblocking calls work (each checked by a read-back where it writes).
  auto run = [&](const char* name, auto&& call) {
    MPI_Request request = MPI_REQUEST_NULL;
    int code = call(&request);
    if (code == MPI_SUCCESS) code = MPI_Wait(&request, MPI_STATUS_IGNORE);
    std::string result = Describe(code);
    int ok = code == MPI_SUCCESS ? 1 : 0;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (ok == 0 && code == MPI_SUCCESS) result = "fails on another rank";
    facts.emplace_back(std::string("io_probe_") + name, result);
    return ok != 0;
  };
  run("MPI_File_iwrite_at", [&](MPI_Request* r) {
    return MPI_File_iwrite_at(file, at, data.data(), kBytes, MPI_BYTE, r);
  });
  const char* skipped = "skipped: crashes with ROMIO in this Open MPI (known bug)";
  if (romio) {
    facts.emplace_back("io_probe_MPI_File_iwrite_at_all", skipped);
  } else {
    run("MPI_File_iwrite_at_all", [&](MPI_Request* r) {
      return MPI_File_iwrite_at_all(file, at, data.data(), kBytes, MPI_BYTE, r);
    });
  }
  const bool read_ok = run("MPI_File_iread_at", [&](MPI_Request* r) {
    return MPI_File_iread_at(file, at, back.data(), kBytes, MPI_BYTE, r);
  });
  if (read_ok && back != data) facts.back().second = "returns wrong data";
  std::fill(back.begin(), back.end(), 0);
  if (romio) {
    facts.emplace_back("io_probe_MPI_File_iread_at_all", skipped);
    facts.emplace_back("io_probe_progress_without_test", skipped);
    MPI_File_close(&file);
    MPI_Barrier(comm);
    if (rank == 0) std::remove(path.c_str());
    return facts;
  }
  const bool read_all_ok = run("MPI_File_iread_at_all", [&](MPI_Request* r) {
    return MPI_File_iread_at_all(file, at, back.data(), kBytes, MPI_BYTE, r);
  });
  if (read_all_ok && back != data) facts.back().second = "returns wrong data";

  // Progress without MPI calls: time a blocking write, then post the same write, stay out
  // of MPI for three times as long, and see how long MPI_Wait still takes.
  MPI_Barrier(comm);
  double start = MPI_Wtime();
  MPI_File_write_at_all(file, at, data.data(), kBytes, MPI_BYTE, MPI_STATUS_IGNORE);
  double blocking = MPI_Wtime() - start;
  MPI_Allreduce(MPI_IN_PLACE, &blocking, 1, MPI_DOUBLE, MPI_MAX, comm);
  MPI_Barrier(comm);
  MPI_Request request = MPI_REQUEST_NULL;
  start = MPI_Wtime();
  const int posted = MPI_File_iwrite_at_all(file, at, data.data(), kBytes, MPI_BYTE, &request);
  const double post = MPI_Wtime() - start;
  std::this_thread::sleep_for(std::chrono::duration<double>(3 * blocking));
  start = MPI_Wtime();
  if (posted == MPI_SUCCESS) MPI_Wait(&request, MPI_STATUS_IGNORE);
  double wait = MPI_Wtime() - start;
  double times[2] = {post, wait};
  MPI_Allreduce(MPI_IN_PLACE, times, 2, MPI_DOUBLE, MPI_MAX, comm);
  char text[256];
  std::snprintf(text, sizeof text,
                "blocking write %.2f ms; nonblocking: post %.2f ms, then %.2f ms idle outside "
                "MPI, then MPI_Wait %.2f ms",
                blocking * 1e3, times[0] * 1e3, 3 * blocking * 1e3, times[1] * 1e3);
  facts.emplace_back("io_probe_progress_timings", text);
  const char* verdict = times[0] > 0.5 * blocking
                            ? "the write happens inside the post call (no overlap possible "
                              "without a helper thread)"
                        : times[1] < 0.25 * blocking
                            ? "yes: the write completed while the program made no MPI calls"
                            : "no: the write waited for MPI calls to progress";
  facts.emplace_back("io_probe_progress_without_test", verdict);
  MPI_File_close(&file);
  MPI_Barrier(comm);
  if (rank == 0) std::remove(path.c_str());
  return facts;
}

}  // namespace parlab
