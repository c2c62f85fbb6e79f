// Every kernel in the table, with its own test case, under every multi-rank model that
// fits this launch (1, 2, 3 and 4 ranks): a newly registered kernel is tested here with
// no edit to any test.
#include <gtest/gtest.h>

#include "core/collective.h"
#include "core/mpi_util.h"
#include "test_util.h"

namespace parlab {
namespace {

using testing_util::Measure;
using testing_util::TestSpec;

TEST(MpiTable, EveryRegisteredKernelVerifiesOnEveryRankOfThisLaunch) {
  const int p = Size(MPI_COMM_WORLD);
  const std::vector<std::pair<std::string, Shape>> shapes =
      p == 1 ? std::vector<std::pair<std::string, Shape>>{{"serial", {1, 1}}, {"threads", {1, 2}}}
             : std::vector<std::pair<std::string, Shape>>{{"processes", {p, 1}}, {"hybrid", {p, 2}}};
  const std::string dir = BroadcastString(MPI_COMM_WORLD, ::testing::TempDir());
  for (const KernelInfo& info : KernelTable()) {
    for (const auto& [model, shape] : shapes) {
      const RunSpec spec = TestSpec(info, model, shape, dir);
      if (info.check && !info.check(spec.params, {shape, false, MPI_THREAD_MULTIPLE}).empty())
        continue;  // a shape the kernel refuses at validation (e.g. pingpong on 1 rank)
      const RunOutcome r = Measure(spec, MPI_COMM_WORLD);
      EXPECT_EQ(r.status, RunStatus::kOk) << info.name << " " << model << " " << shape.ranks
                                          << "x" << shape.threads << ": " << r.message;
      EXPECT_EQ(r.ranks(), p) << info.name;
      EXPECT_EQ(r.repetitions(), 2) << info.name;
    }
  }
}

}  // namespace
}  // namespace parlab
