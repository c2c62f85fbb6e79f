// Reads a report written by `parlab run config/tiny.toml` through the HDF5 C API and
// checks its structure: usage `check_report REPORT CONFIG_RUNS` (gtest flags may follow).
#include <gtest/gtest.h>
#include <hdf5.h>

#include <filesystem>
#include <string>
#include <vector>

#include "h5_test_util.h"

namespace {

std::string g_report;
long long g_expected_runs = 0;

using parlab::testing_util::IntAttribute;
using parlab::testing_util::StringAttribute;

double ScalarDataset(hid_t group, const char* path) {
  double value = -12345;
  hid_t dataset = H5Dopen2(group, path, H5P_DEFAULT);
  if (dataset < 0) return value;
  H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value);
  H5Dclose(dataset);
  return value;
}

std::vector<std::string> Children(hid_t group) {
  std::vector<std::string> names;
  H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
             [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
               static_cast<std::vector<std::string>*>(data)->push_back(name);
               return 0;
             },
             &names);
  return names;
}

class Report : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = H5Fopen(g_report.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(file_, 0) << "cannot open " << g_report;
  }
  void TearDown() override {
    if (file_ >= 0) H5Fclose(file_);
  }
  hid_t file_ = -1;
};

TEST_F(Report, IsCompleteUnderItsFinalNameWithNoTemporaryLeft) {
  EXPECT_EQ(StringAttribute(file_, "status"), "complete");
  EXPECT_FALSE(std::filesystem::exists(g_report + ".tmp"));
}

TEST_F(Report, RootAttributesDescribeTheExperiment) {
  EXPECT_EQ(IntAttribute(file_, "schema_version"), 1);
  EXPECT_EQ(StringAttribute(file_, "experiment"), "tiny");
  EXPECT_NE(StringAttribute(file_, "config_text").find("[[run]]"), std::string::npos);
  EXPECT_NE(StringAttribute(file_, "command_line").find("parlab"), std::string::npos);
  EXPECT_EQ(StringAttribute(file_, "created_utc").size(), 20u);  // 2026-01-01T00:00:00Z
  EXPECT_FALSE(StringAttribute(file_, "git_sha").empty());
  hid_t env = H5Gopen2(file_, "environment", H5P_DEFAULT);
  ASSERT_GE(env, 0);
  EXPECT_EQ(StringAttribute(env, "world_size"), "2");
  EXPECT_NE(StringAttribute(env, "mpi_library_version").find("MPI"), std::string::npos);
  EXPECT_EQ(StringAttribute(env, "mpi_thread_level").rfind("MPI_THREAD_", 0), 0u);
  EXPECT_FALSE(StringAttribute(env, "hdf5_version").empty());
  EXPECT_FALSE(StringAttribute(env, "compiler").empty());
  hid_t hosts = H5Dopen2(env, "hostnames", H5P_DEFAULT);
  ASSERT_GE(hosts, 0);
  hid_t space = H5Dget_space(hosts);
  EXPECT_EQ(H5Sget_simple_extent_npoints(space), 2);
  H5Sclose(space);
  H5Dclose(hosts);
  H5Gclose(env);
}

TEST_F(Report, EveryRunHasSamplesOfRepetitionsByRanksByPhases) {
  hid_t runs = H5Gopen2(file_, "runs", H5P_DEFAULT);
  ASSERT_GE(runs, 0);
  const auto names = Children(runs);
  EXPECT_EQ(static_cast<long long>(names.size()), g_expected_runs);
  for (const auto& name : names) {
    hid_t run = H5Gopen2(runs, name.c_str(), H5P_DEFAULT);
    const long long reps = IntAttribute(run, "repetitions");
    const long long ranks = IntAttribute(run, "ranks");
    EXPECT_EQ(reps, 3) << name;  // tiny.toml: repetitions = 3, warm-ups not stored
    // Its kernels are all steady after their setup: rounds 2 and 3 measured without warm-ups.
    EXPECT_EQ(IntAttribute(run, "warmups_every_block"), 0) << name;
    EXPECT_EQ(StringAttribute(run, "status"), "ok") << name;
    EXPECT_EQ(IntAttribute(run, "verified"), 1) << name;
    hid_t samples = H5Dopen2(run, "samples", H5P_DEFAULT);
    ASSERT_GE(samples, 0) << name;
    hid_t space = H5Dget_space(samples);
    hsize_t dims[3] = {};
    ASSERT_EQ(H5Sget_simple_extent_ndims(space), 3);
    H5Sget_simple_extent_dims(space, dims, nullptr);
    EXPECT_EQ(dims[0], static_cast<hsize_t>(reps)) << name;
    EXPECT_EQ(dims[1], static_cast<hsize_t>(ranks)) << name;
    EXPECT_EQ(dims[2], 10u) << name;  // total + 9 phases, named by the 'columns' attribute
    const hsize_t columns = dims[2];
    std::vector<double> values(dims[0] * dims[1] * dims[2]);
    H5Dread(samples, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    for (hsize_t i = 0; i < values.size(); i += columns) EXPECT_GT(values[i], 0.0) << name;
    // cell_time = slowest rank per repetition, recomputable from the raw samples.
    std::vector<double> cell(dims[0]);
    hid_t cell_set = H5Dopen2(run, "cell_time", H5P_DEFAULT);
    H5Dread(cell_set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, cell.data());
    for (hsize_t rep = 0; rep < dims[0]; ++rep) {
      double slowest = 0;
      for (hsize_t rank = 0; rank < dims[1]; ++rank)
        slowest = std::max(slowest, values[(rep * dims[1] + rank) * columns]);
      EXPECT_EQ(cell[rep], slowest) << name;
    }
    H5Dclose(cell_set);
    H5Sclose(space);
    H5Dclose(samples);
    if (StringAttribute(run, "kernel") == "counter" &&
        StringAttribute(run, "param_variant") != "racy")
      EXPECT_EQ(ScalarDataset(run, "results/final_value"), 0.0) << name;
    H5Gclose(run);
  }
  H5Gclose(runs);
}

TEST_F(Report, EveryDatasetHasUnitsAndDescription) {
  std::vector<std::string> missing;
  int datasets = 0;
  struct Visit {
    std::vector<std::string>* missing;
    int* datasets;
  } visit{&missing, &datasets};
  H5Ovisit(file_, H5_INDEX_NAME, H5_ITER_INC,
           [](hid_t root, const char* name, const H5O_info_t* info, void* data) -> herr_t {
             auto* v = static_cast<Visit*>(data);
             if (info->type != H5O_TYPE_DATASET) return 0;
             ++*v->datasets;
             hid_t dataset = H5Dopen2(root, name, H5P_DEFAULT);
             if (H5Aexists(dataset, "units") <= 0 || H5Aexists(dataset, "description") <= 0)
               v->missing->push_back(name);
             H5Dclose(dataset);
             return 0;
           },
           &visit);
  EXPECT_GT(datasets, 100);
  EXPECT_TRUE(missing.empty()) << "first without units/description: " << missing.front();
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 3) {
    std::fprintf(stderr, "usage: check_report REPORT EXPECTED_RUNS\n");
    return 2;
  }
  g_report = argv[1];
  g_expected_runs = std::stoll(argv[2]);
  return RUN_ALL_TESTS();
}
