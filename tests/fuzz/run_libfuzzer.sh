#!/bin/bash
# Runs the libFuzzer config harness for a fixed time, starting from the shipped configs,
# and prints libFuzzer's figures. Exit 0: nothing found; otherwise libFuzzer's exit code
# and the crashing input in the work directory.
# usage: run_libfuzzer.sh FUZZER SOURCE_DIR SECONDS WORK_DIR
set -u
fuzzer=$(realpath "$1") source_dir=$(realpath "$2") seconds=$3 work=$4
rm -rf "$work" && mkdir -p "$work/corpus"
cp "$source_dir"/config/*.toml "$source_dir"/tests/e2e/*.toml "$work/corpus/"
cd "$work" || exit 1
"$fuzzer" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -max_len=65536 \
  -dict="$source_dir/tests/fuzz/config.dict" -print_final_stats=1 corpus > fuzz.log 2>&1
rc=$?
grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)" fuzz.log
if [ $rc -ne 0 ]; then
  tail -40 fuzz.log
  echo "FAIL: libFuzzer found a problem (exit $rc): see $work"
  exit 1
fi
echo "corpus: $(ls corpus | wc -l) inputs; PASS"
