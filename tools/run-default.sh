#!/bin/bash
# The main job: install dependencies, build, run the default experiment on 2 ranks,
# print its summary, and write the report, its plots and its HTML page.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/configure.sh release
cmake --build --preset release -j "$(nproc)" >/dev/null
tools/mpirun.sh -n 2 build/release/bin/parlab run config/default.toml
python/parlab-analyze summary results/reports/default.h5
python/parlab-analyze plot results/reports/default.h5 --out results/plots/default
python/parlab-analyze html results/reports/default.h5 -o results/default.html
