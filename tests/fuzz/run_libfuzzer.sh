#!/bin/bash
# Runs a libFuzzer harness for a fixed time, starting from its seeds, and prints
# libFuzzer's figures. Exit 0: nothing found; otherwise libFuzzer's exit code and the
# crashing input in the work directory.
# usage: run_libfuzzer.sh FUZZER SOURCE_DIR SECONDS WORK_DIR [config|journal]
#   config (default): seeds are the shipped configs; journal: tests/fuzz/journal_seeds.
set -u
fuzzer=$(realpath "$1") source_dir=$(realpath "$2") seconds=$3 work=$4 target=${5:-config}
rm -rf "$work" && mkdir -p "$work/corpus"
if [ "$target" = journal ]; then
  cp "$source_dir"/tests/fuzz/journal_seeds/* "$work/corpus/"
else
  cp "$source_dir"/config/*.toml "$source_dir"/tests/e2e/*.toml "$work/corpus/"
fi
cd "$work" || exit 1
"$fuzzer" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -max_len=262144 \
  -dict="$source_dir/tests/fuzz/$target.dict" -print_final_stats=1 corpus > fuzz.log 2>&1
rc=$?
grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)" fuzz.log
if [ $rc -ne 0 ]; then
  tail -40 fuzz.log
  echo "FAIL: libFuzzer found a problem (exit $rc): see $work"
  exit 1
fi
echo "corpus: $(ls corpus | wc -l) inputs; PASS"
