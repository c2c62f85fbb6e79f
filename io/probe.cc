#include "io/probe.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "core/collective.h"
#include "core/mpi_util.h"
#include "io/fs.h"
#include "io/scratch.h"

namespace parlab {
namespace {

constexpr int kBytes = 8 << 20;  // per rank
constexpr const char* kSkipped = "skipped: crashes with ROMIO in this Open MPI (known bug)";

// The probe's file, its data and what it found so far.
struct Probe {
  MPI_Comm comm;
  FileHandle file;
  std::vector<char> data, back;
  MPI_Offset at = 0;
  EnvironmentFacts facts;

  // Runs one nonblocking call to completion and records whether it worked on every rank.
  template <class Call>
  bool Try(const char* name, Call&& call) {
    MPI_Request request = MPI_REQUEST_NULL;
    int code = call(&request);
    if (code == MPI_SUCCESS) code = MPI_Wait(&request, MPI_STATUS_IGNORE);
    std::string result = code == MPI_SUCCESS ? "works" : "fails: " + MpiErrorText(code);
    int ok = code == MPI_SUCCESS ? 1 : 0;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (ok == 0 && code == MPI_SUCCESS) result = "fails on another rank";
    facts.emplace_back(std::string("io_probe_") + name, result);
    return ok != 0;
  }

  // Reads back into `back` with `call` and says so when the bytes are not the written ones.
  template <class Call>
  void TryRead(const char* name, Call&& call) {
    std::fill(back.begin(), back.end(), 0);
    if (Try(name, call) && back != data) facts.back().second = "returns wrong data";
  }
};

// Which nonblocking calls work (each checked by a read-back where it writes).
void ProbeCalls(Probe& p, bool romio) {
  const MPI_File f = p.file.get();
  p.Try("MPI_File_iwrite_at", [&](MPI_Request* r) {
    return MPI_File_iwrite_at(f, p.at, p.data.data(), kBytes, MPI_BYTE, r);
  });
  if (romio) {
    p.facts.emplace_back("io_probe_MPI_File_iwrite_at_all", kSkipped);
  } else {
    p.Try("MPI_File_iwrite_at_all", [&](MPI_Request* r) {
      return MPI_File_iwrite_at_all(f, p.at, p.data.data(), kBytes, MPI_BYTE, r);
    });
  }
  p.TryRead("MPI_File_iread_at", [&](MPI_Request* r) {
    return MPI_File_iread_at(f, p.at, p.back.data(), kBytes, MPI_BYTE, r);
  });
  if (romio) {
    p.facts.emplace_back("io_probe_MPI_File_iread_at_all", kSkipped);
    return;
  }
  p.TryRead("MPI_File_iread_at_all", [&](MPI_Request* r) {
    return MPI_File_iread_at_all(f, p.at, p.back.data(), kBytes, MPI_BYTE, r);
  });
}

// Progress without MPI calls: time a blocking write, then post the same write, stay out
// of MPI for three times as long, and see how long MPI_Wait still takes.
void ProbeProgress(Probe& p) {
  const MPI_File f = p.file.get();
  MPI_Barrier(p.comm);
  double start = MPI_Wtime();
  MPI_File_write_at_all(f, p.at, p.data.data(), kBytes, MPI_BYTE, MPI_STATUS_IGNORE);
  double blocking = MPI_Wtime() - start;
  MPI_Allreduce(MPI_IN_PLACE, &blocking, 1, MPI_DOUBLE, MPI_MAX, p.comm);
  MPI_Barrier(p.comm);
  MPI_Request request = MPI_REQUEST_NULL;
  start = MPI_Wtime();
  const int posted = MPI_File_iwrite_at_all(f, p.at, p.data.data(), kBytes, MPI_BYTE, &request);
  const double post = MPI_Wtime() - start;
  std::this_thread::sleep_for(std::chrono::duration<double>(3 * blocking));
  start = MPI_Wtime();
  if (posted == MPI_SUCCESS) MPI_Wait(&request, MPI_STATUS_IGNORE);
  double times[2] = {post, MPI_Wtime() - start};
  MPI_Allreduce(MPI_IN_PLACE, times, 2, MPI_DOUBLE, MPI_MAX, p.comm);
  char text[256];
  std::snprintf(text, sizeof text,
                "blocking write %.2f ms; nonblocking: post %.2f ms, then %.2f ms idle outside "
                "MPI, then MPI_Wait %.2f ms",
                blocking * 1e3, times[0] * 1e3, 3 * blocking * 1e3, times[1] * 1e3);
  p.facts.emplace_back("io_probe_progress_timings", text);
  const char* verdict = times[0] > 0.5 * blocking
                            ? "the write happens inside the post call (no overlap possible "
                              "without a helper thread)"
                        : times[1] < 0.25 * blocking
                            ? "yes: the write completed while the program made no MPI calls"
                            : "no: the write waited for MPI calls to progress";
  p.facts.emplace_back("io_probe_progress_without_test", verdict);
}

// "" when every rank opened the file, else the lowest failing rank's reason.
std::string OpenProbeFile(Probe& p, const std::string& path) {
  int code = MPI_SUCCESS;
  p.file = OpenMpiFile(p.comm, path, MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL, &code);
  return FirstMessage(p.comm, code == MPI_SUCCESS
                                  ? ""
                                  : "not run: cannot open " + path + ": " + MpiErrorText(code));
}

}  // namespace

EnvironmentFacts ProbeNonblockingIo(MPI_Comm comm, const std::string& dir) {
  // A failing nonblocking write crashes MPI_Wait in Open MPI 4.1: probe only with room.
  std::uint64_t free_bytes = FreeBytes(dir);
  MPI_Bcast(&free_bytes, 1, MPI_UINT64_T, 0, comm);
  const std::uint64_t needed = static_cast<std::uint64_t>(kBytes) * Size(comm);
  if (free_bytes < 2 * needed)
    return {{"io_probe", "not run: " + dir + " has " + std::to_string(free_bytes) +
                             " bytes free, the probe needs " + std::to_string(2 * needed)}};
  std::unique_ptr<ScratchDir> scratch;
  try {
    scratch = std::make_unique<ScratchDir>(comm, dir, false);
  } catch (const std::exception& e) {
    return {{"io_probe", std::string("not run: ") + e.what()}};
  }
  Probe p{comm, {}, std::vector<char>(kBytes), std::vector<char>(kBytes),
          static_cast<MPI_Offset>(Rank(comm)) * kBytes, {}};
  if (std::string error = OpenProbeFile(p, scratch->path() + "/probe.dat"); !error.empty())
    return {{"io_probe", error}};
  MPI_File_set_errhandler(p.file.get(), MPI_ERRORS_RETURN);
  int romio = RomioSelected() ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &romio, 1, MPI_INT, MPI_MAX, comm);
  p.facts.emplace_back("io_probe_component", romio ? "ROMIO (selected by OMPI_MCA_io or MCA files)"
                                                   : "Open MPI's default (OMPIO)");
  for (int i = 0; i < kBytes; ++i) p.data[i] = static_cast<char>((i * 7 + Rank(comm)) & 0x7f);
  ProbeCalls(p, romio != 0);
  if (romio)
    p.facts.emplace_back("io_probe_progress_without_test", kSkipped);
  else
    ProbeProgress(p);
  p.file.Reset();
  return std::move(p.facts);
}

}  // namespace parlab
