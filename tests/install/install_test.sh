#!/bin/bash
# `cmake --install` into a temporary prefix, then everything used as a user would: from
# outside the source tree with only P/bin and the system's directories on PATH.
#  1. the layout: binary, scripts, package, sbatch template, launcher, configs, docs
#  2. parlab run (mpirun -n 1, one shape of the installed tiny config), parlab-analyze
#     summary and html on its report, parlab-sweep --dry-run: each finds its siblings
#  3. the prefix moved elsewhere and reached through a symlink: still found
#  4. parlab.sbatch outside SLURM (its mpirun fallback): parlab from PATH, and a stop
#     signal to the job reaches the ranks through the stop-ranks launcher: exit 4, partial
# usage: install_test.sh BUILD_DIR WORK_DIR
set -u
build=$1 work=$2
rm -rf "$work" && mkdir -p "$work/elsewhere"
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
prefix=$work/prefix
if ! cmake --install "$build" --prefix "$prefix" > "$work/install.log" 2>&1; then
  cat "$work/install.log"; echo "FAIL: cmake --install"; exit 1
fi
for f in bin/parlab bin/parlab-analyze bin/parlab-sweep share/parlab/slurm/parlab.sbatch \
         libexec/parlab/stop_ranks_launcher.py; do
  check "$f installed, executable" "[ -f $prefix/$f ] && [ -x $prefix/$f ]"
done
for f in share/parlab/python/parlab_analysis/cli.py share/parlab/config/tiny.toml \
         share/doc/parlab/README.md share/doc/parlab/docs/install.md share/doc/parlab/docs/python-api.md; do
  check "$f installed" "[ -f $prefix/$f ]"
done
doc=$prefix/share/doc/parlab
missing=$(grep -o '](docs/[^)#]*' "$doc/README.md" | cut -c3- | sort -u |
          while read -r link; do [ -e "$doc/$link" ] || echo "$link"; done)
check "every docs/ link of the installed README resolves ($missing)" "[ -z '$missing' ]"

# Only the prefix and the system: no source tree, no PYTHONPATH, no PARLAB.
unset PARLAB PYTHONPATH PARLAB_LAUNCHER
export PATH=$prefix/bin:/usr/bin:/bin
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
cd "$work/elsewhere" || exit 1
check "parlab on PATH is the installed one" "[ \"\$(command -v parlab)\" = $prefix/bin/parlab ]"
mpirun -n 1 --bind-to none parlab run "$prefix/share/parlab/config/tiny.toml" --shape 1x1 \
  -o tiny.h5 --quiet > run.log 2>&1
check "parlab run of the installed tiny config, one shape, exits 0" "[ $? -eq 0 ] && [ -f tiny.h5 ]"
parlab-analyze summary tiny.h5 > summary.txt 2>&1
check "parlab-analyze summary reads it" "[ $? -eq 0 ] && grep -q 'dgemm size=96' summary.txt"
parlab-analyze html tiny.h5 -o tiny.html > html.log 2>&1
check "parlab-analyze html writes a page" "[ $? -eq 0 ] && grep -qi '<html' tiny.html"
check "the prefix is left as installed (no __pycache__)" "[ -z \"\$(find $prefix -name __pycache__)\" ]"
package=$prefix/share/parlab/python/parlab_analysis
mv "$package" "$package.away"
check "parlab-analyze imports the prefix's package (without it, it fails)" \
      "! parlab-analyze --help >/dev/null 2>&1"
mv "$package.away" "$package"
parlab-sweep "$prefix/share/parlab/config/tiny.toml" --out sweep --dry-run > sweep.txt 2>&1
check "parlab-sweep --dry-run lists the shapes" "grep -q '^# shapes: 1x1, 1x2, 2x1, 2x2;' sweep.txt"
check "its jobs run the parlab beside it" "grep -qF '$prefix/bin/parlab run' sweep.txt"
check "its merge job runs the parlab-analyze beside it" "grep -qF '$prefix/bin/parlab-analyze merge' sweep.txt"
check "its mpirun fallback goes through the installed stop-ranks launcher" \
      "grep -qF '$prefix/libexec/parlab/stop_ranks_launcher.py mpirun' sweep.txt"

# 3. Relocated and reached through a symlink: found relative to the real path.
moved=$work/moved
mv "$prefix" "$moved" && mkdir "$work/links" && ln -s "$moved/bin/parlab-analyze" "$moved/bin/parlab-sweep" "$work/links/"
export PATH=$work/links:/usr/bin:/bin
parlab-analyze summary tiny.h5 > moved.txt 2>&1
check "moved prefix, through a symlink: parlab-analyze works" "[ $? -eq 0 ] && grep -q 'dgemm size=96' moved.txt"
parlab-sweep "$moved/share/parlab/config/tiny.toml" --out sweep2 --dry-run > sweep2.txt 2>&1
check "moved prefix, through a symlink: parlab-sweep finds parlab" "grep -qF '$moved/bin/parlab run' sweep2.txt"

# 4. The batch script without SLURM: its mpirun fallback, stopped by SIGTERM.
export PATH=$moved/bin:/usr/bin:/bin
cat > slow.toml <<'TOML'
[experiment]
name = "slow"
repetitions = 2
warmups = 0
interleave = false  # runs reach the report one by one, so the stop lands between them
[[run]]
kernel = "wait"
models = ["serial"]
size = [1, 2, 3, 4, 5, 6, 7, 8]
wait_us = 100000
TOML
SLURM_NTASKS=1 PARLAB_LAUNCHER=mpirun bash "$moved/share/parlab/slurm/parlab.sbatch" slow.toml \
  slow.h5 --quiet > sbatch.log 2>&1 &
job=$!
for _ in $(seq 300); do
  HDF5_USE_FILE_LOCKING=FALSE h5ls slow.h5.tmp/runs/run-0002 >/dev/null 2>&1 && break
  sleep 0.1
done
kill -TERM $job
wait $job
rc=$?
cat sbatch.log
check "parlab.sbatch's mpirun fallback, stopped by SIGTERM, exits 4 (the ranks' status)" "[ $rc -eq 4 ]"
check "its report is marked partial" "h5dump -a /status slow.h5 | grep -q 'partial: interrupted by SIGTERM'"
PARLAB=/nonexistent bash "$moved/share/parlab/slurm/parlab.sbatch" slow.toml > nobin.log 2>&1
check "a missing parlab is one error line, exit 2" \
      "[ $? -eq 2 ] && [ \$(wc -l < nobin.log) -eq 1 ] && grep -q 'parlab not found' nobin.log"
[ $fail -eq 0 ] && echo PASS || echo FAIL
