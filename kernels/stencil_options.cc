// The stencil's parameters: what they are, which grid they give, which runs they refuse,
// which they skip.
#include <mpi.h>

#include <algorithm>

#include "core/mpi_util.h"
#include "kernels/stencil.h"
#include "kernels/stencil_halo.h"

namespace parlab {

std::vector<ParamSpec> StencilParams() {
  return {{"cols", ParamType::kInt, std::int64_t{0}, "grid columns M (0 = square)"},
          {"iterations", ParamType::kInt, std::int64_t{10}, "sweeps per repetition", {}, 1},
          {"decomposition", ParamType::kString, std::string("rows"),
           "rows (1-D) | blocks (2-D, the most nearly square process grid)",
           kDecompositions.All()},
          {"exchange", ParamType::kString, std::string("nonblocking"),
           "blocking (halos exchanged, then the sweep) | nonblocking (the interior "
           "computed while halos are in flight)",
           kExchanges.All()},
          {"threading", ParamType::kString, std::string("funneled"),
           "funneled (the master thread talks MPI) | overlap (one thread talks while "
           "the others compute the interior) | multiple (every thread exchanges its "
           "own halo segment, MPI_THREAD_MULTIPLE) | partitioned (MPI-4 "
           "partitioned messages; skipped on an MPI-3 library)",
           kThreadings.All()},
          {"column_halo", ParamType::kString, std::string("packed"),
           "packed (columns copied into contiguous buffers) | datatype (an "
           "MPI_Type_vector)",
           kColumnHalos.All()},
          {"requests", ParamType::kString, std::string("auto"),
           "auto (immediate for messages up to 4 KiB, persistent above) | persistent "
           "(MPI_Send_init / MPI_Recv_init once, MPI_Startall every sweep) | "
           "immediate (MPI_Isend / MPI_Irecv every sweep)",
           kHaloRequests.All()}};
}

long long Columns(const KernelParams& params) {
  return params.Int("cols") > 0 ? params.Int("cols") : params.size();
}

std::array<int, 2> GridOf(const KernelParams& params, int ranks) {
  return params.Choice("decomposition", kDecompositions) == Decomposition::kBlocks
             ? ProcessGrid(ranks)
             : std::array<int, 2>{ranks, 1};
}

// Every rank needs at least one row and one column of the grid; a style gets the thread
// level it calls MPI with.
std::string CheckStencil(const KernelParams& params, const CheckContext& context) {
  const std::array<int, 2> dims = GridOf(params, context.shape.ranks);
  if (params.size() < dims[0] || Columns(params) < dims[1])
    return "grid " + std::to_string(params.size()) + " x " + std::to_string(Columns(params)) +
           " has fewer rows or columns than the " + std::to_string(dims[0]) + " x " +
           std::to_string(dims[1]) + " process grid of " + std::to_string(context.shape.ranks) +
           " ranks";
  const Threading threading = params.Choice("threading", kThreadings);
  if (threading == Threading::kOverlap &&
      params.Choice("exchange", kExchanges) == Exchange::kBlocking)
    return "threading = \"overlap\" computes the interior while one thread exchanges the halos: "
           "it needs exchange = \"nonblocking\"";
  const bool every_thread = threading == Threading::kMultiple || threading == Threading::kPartitioned;
  if (every_thread && context.shape.threads > 1 && context.thread_level < MPI_THREAD_MULTIPLE)
    return "threading = \"" + std::string(kThreadings.Name(threading)) +
           "\" calls MPI from every thread: it needs MPI_THREAD_MULTIPLE, the MPI library granted " +
           ThreadLevelName(context.thread_level);
  return "";
}

// Partitioned communication is MPI-4; parlab implements it only where the library has it.
std::string StencilUnavailable(const KernelParams& params) {
  if (params.Choice("threading", kThreadings) != Threading::kPartitioned) return "";
  int version = 0, subversion = 0;
  MPI_Get_version(&version, &subversion);
  char library[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MPI_Get_library_version(library, &length);
  std::string name(library, static_cast<std::size_t>(std::max(0, length)));
  name = name.substr(0, name.find_first_of(",\n"));
  if (version >= 4)  // written and tested against an MPI-3 library only
    return "threading = \"partitioned\" is not implemented in parlab yet (the library, " + name +
           ", has MPI-4 partitioned communication)";
  return "threading = \"partitioned\" needs MPI-4 partitioned communication (MPI_Psend_init, "
         "MPI_Precv_init, MPI_Pready); this library implements MPI " + std::to_string(version) + "." + std::to_string(subversion) + " (" +
         name + ")";
}

}  // namespace parlab
