// GoogleTest main for tests that use MPI: rank 0 prints the usual output, other ranks
// print only their failures (prefixed with the rank), and every rank's result counts.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>

#if defined(PARLAB_ASAN)
#include <sanitizer/lsan_interface.h>
#endif

namespace {

class RankFailurePrinter : public testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const testing::TestPartResult& result) override {
    if (result.failed())
      std::fprintf(stderr, "[rank %d] %s:%d: %s\n", rank_, result.file_name(),
                   result.line_number(), result.summary());
  }

 private:
  int rank_;
};

}  // namespace

// LeakSanitizer: Open MPI, its plugins and HDF5 keep allocations until exit by design;
// leaks in parlab's own code are still reported. CPython 3.11's Py_FinalizeEx leaves what
// PyType_Ready made for types (their dicts, subclass lists, names) allocated: static types
// are not torn down before 3.12. Only allocations made inside PyType_Ready are matched;
// parlab makes no Python types (the driver's one exception class aside).
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libmpi.so\nleak:libopen-pal.so\nleak:libopen-rte.so\nleak:libhwloc.so\n"
         "leak:libevent\nleak:libpmix.so\nleak:mca_\nleak:libhdf5\nleak:libgomp.so\n"
         "leak:libopenblas\nleak:libcrypto.so\nleak:ompi_\nleak:opal_\nleak:orte_\nleak:libomp.so\n"
         "leak:PyType_Ready\n";
}

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  testing::InitGoogleTest(&argc, argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank != 0) {
    auto& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new RankFailurePrinter(rank));
  }
  int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  int any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
#if defined(PARLAB_ASAN)
  // Check for leaks now, while MPI's plugins are still loaded and their frames can be
  // matched by the suppressions above; after MPI_Finalize they are unloaded.
  __lsan_do_leak_check();
#endif
  MPI_Finalize();
  return any_failed;
}
