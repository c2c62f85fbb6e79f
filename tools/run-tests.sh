#!/bin/bash
# Every test: installs dependencies, builds the release tree (-Werror) and the
# AddressSanitizer + UBSan tree, and runs one ctest over both. ctest's summary is last.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
jobs=$(nproc)
cmake --preset asan -DPARLAB_WERROR=ON >/dev/null
cmake --build --preset asan -j "$jobs" --target parlab parlab_unit_tests parlab_mpi_tests >/dev/null
cmake --preset release -DPARLAB_WERROR=ON -DPARLAB_ASAN_BUILD_DIR="$PWD/build/asan" >/dev/null
cmake --build --preset release -j "$jobs" >/dev/null
cd build/release
ctest -j "$jobs" --output-on-failure --timeout 900
