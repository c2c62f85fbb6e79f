#!/bin/bash
# Every test: installs dependencies, builds the release tree (gcc, -Werror), the
# AddressSanitizer + UBSan tree with the libFuzzer config harness (clang) and the
# ThreadSanitizer tree (clang), and runs one ctest over all of them. ctest's summary is last.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
jobs=$(nproc)
tools/configure.sh asan -DPARLAB_WERROR=ON
cmake --build --preset asan -j "$jobs" \
  --target parlab parlab_unit_tests parlab_mpi_tests parlab_machine_tests parlab_fuzz_config \
  parlab_fuzz_journal parlab_python_tests parlab_mpi_python_tests >/dev/null
tools/configure.sh tsan
cmake --build --preset tsan -j "$jobs" --target parlab_thread_tests parlab_tsan_canary parlab_machine_tests \
  parlab_python_tests parlab_mpi_python_tests >/dev/null
tools/configure.sh release -DPARLAB_WERROR=ON -DPARLAB_ASAN_BUILD_DIR="$PWD/build/asan" \
  -DPARLAB_TSAN_BUILD_DIR="$PWD/build/tsan"
cmake --build --preset release -j "$jobs" >/dev/null
cd build/release
# Twice as many tests as cores: the cluster, SLURM, watchdog and fuzzer tests spend much of
# their time waiting (for the scheduler, a timeout, a signal, MPI start-up), and the cores
# would idle meanwhile (ctest at -j 3 here: 494 s, at -j 4: 383 s, every test passing).
ctest -j "$((jobs * 2))" --output-on-failure --timeout 900
