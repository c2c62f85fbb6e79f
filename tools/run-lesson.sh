#!/bin/bash
# The concurrency-vs-parallelism lesson: run it (parlab's models on C++ kernels, and the
# claims about Python on CPython itself, the python kernel), measure the primitives, and
# print the verdict tables (docs/lesson.md explains every row). About 2 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/configure.sh release
cmake --build --preset release -j "$(nproc)" >/dev/null
parlab=build/release/bin/parlab
tools/mpirun.sh -n 2 $parlab run config/lesson.toml --quiet
tools/mpirun.sh -n 2 $parlab primitives -o results/reports/primitives.json
python/parlab-analyze lesson results/reports/lesson.h5 \
  --primitives results/reports/primitives.json --plots results/plots/lesson
