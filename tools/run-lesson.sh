#!/bin/bash
# The concurrency-vs-parallelism lesson: run it, measure the primitives, calibrate against
# CPython, and print the verdict table (docs/lesson.md explains every row). ~1-2 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" >/dev/null
parlab=build/release/bin/parlab
tools/mpirun.sh -n 2 $parlab run config/lesson.toml --quiet
tools/mpirun.sh -n 2 $parlab primitives -o results/reports/primitives.json
python/parlab-analyze lesson results/reports/lesson.h5 --calibrate \
  --primitives results/reports/primitives.json --plots results/plots/lesson
