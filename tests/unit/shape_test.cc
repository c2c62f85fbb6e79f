// A shape the OpenMP runtime cannot give is an error, never a run measured with fewer
// threads under the asked-for label (issue 13.6). Inside an active parallel region with
// nesting off, a team gets one thread: the runtime's own way to refuse threads.
#include <gtest/gtest.h>
#include <omp.h>

#include <string>

#include "core/team.h"
#include "harness/placement_check.h"

namespace parlab {
namespace {

TEST(Shape, ATeamGivenFewerThreadsThanAskedThrows) {
  omp_set_max_active_levels(1);
  std::string placement_error, run_error;
  int team_size = -1;
#pragma omp parallel num_threads(2)
  {
#pragma omp single
    {
      Team team(2, nullptr);
      team_size = team.Placements().front().team_size;
      try {
        ObservePlacement(MPI_COMM_SELF, team, {1, 2}, 1 << 20);
      } catch (const std::exception& e) {
        placement_error = e.what();
      }
      try {
        team.Run([](Worker&) {});
      } catch (const std::exception& e) {
        run_error = e.what();
      }
    }
  }
  EXPECT_EQ(team_size, 1);
  EXPECT_NE(placement_error.find("asks for 2 threads per rank but the OpenMP runtime gave 1"),
            std::string::npos) << placement_error;
  EXPECT_NE(run_error.find("the OpenMP runtime gave 1 of the 2 threads"), std::string::npos)
      << run_error;
}

TEST(Shape, ATeamThatGetsItsThreadsRunsEveryWorker) {
  Team team(2, nullptr);
  int ran = 0;
  team.Run([&](Worker& worker) {
#pragma omp atomic
    ran += worker.count();
  });
  EXPECT_EQ(ran, 4);
  EXPECT_EQ(team.Placements().front().team_size, 2);
}

}  // namespace
}  // namespace parlab
