# Shared by scripts/fuzz and bench/fuzz: packages, the build-fuzz/ build, regression
# inputs and one libFuzzer run. Source it after scripts/lib.sh; do not run it.

FUZZ_SRC="$TONEARM_ROOT/tests/fuzz"
FUZZ_BUILD="${FUZZ_BUILD_DIR:-$TONEARM_ROOT/build-fuzz}"
FUZZ_BIN="$FUZZ_BUILD/fuzz"
FUZZ_ARTIFACTS="$FUZZ_BUILD/artifacts"
FUZZ_LOGS="$FUZZ_BUILD/logs"

# What the fuzz build needs (no servers, no GoogleTest: the top-level CMakeLists still
# finds every library the server links, so their -dev packages are needed too).
FUZZ_PACKAGES=(build-essential cmake ninja-build pkg-config libboost-dev libpqxx-dev libhiredis-dev
  nlohmann-json3-dev libspdlog-dev libsodium-dev libtag1-dev zlib1g-dev
  clang-14 libfuzzer-14-dev libclang-rt-14-dev)

# Every fuzz target: tests/fuzz/NAME_fuzz.cpp.
fuzz_all_targets() {
  local f
  for f in "$FUZZ_SRC"/*_fuzz.cpp; do
    f=${f##*/}
    echo "${f%_fuzz.cpp}"
  done
}

# Largest input per target: enough for the format, small enough to stay fast.
fuzz_max_len() {
  case $1 in
    byte_range) echo 512 ;;
    conditional | framing) echo 256 ;;
    router) echo 512 ;;
    search_query | query_string) echo 1024 ;;
    wire_head) echo 2048 ;;
    json_body | search_index | config) echo 4096 ;;
    *) echo 4096 ;;
  esac
}

# Sanitizer settings for every run (a caller's own values win).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Installs what is missing, configures build-fuzz/ with clang-14 and builds the fuzzers.
fuzz_build() {
  ensure_packages "${FUZZ_PACKAGES[@]}"
  log "configuring $FUZZ_BUILD (clang-14, ASan+UBSan, libFuzzer)"
  CC=clang-14 CXX=clang++-14 cmake -S "$TONEARM_ROOT" -B "$FUZZ_BUILD" -G Ninja -DTONEARM_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo ${FUZZ_CMAKE_ARGS:-} >/dev/null
  log "building the fuzzers"
  nice -n 10 ninja -C "$FUZZ_BUILD" -j "${tonearm_jobs:-${TONEARM_JOBS:-2}}" fuzzers
  mkdir -p "$FUZZ_ARTIFACTS" "$FUZZ_LOGS"
}

FUZZ_CHILD=""
# Stops a running fuzzer (ours, by its pid) when the script is interrupted.
fuzz_stop_child() {
  if [ -n "$FUZZ_CHILD" ]; then
    kill -TERM "$FUZZ_CHILD" 2>/dev/null || true
    wait "$FUZZ_CHILD" 2>/dev/null || true
    FUZZ_CHILD=""
  fi
}

# Runs a command in the background and waits, so a trap can stop it by its pid.
fuzz_run_child() {
  "$@" &
  FUZZ_CHILD=$!
  local rc=0
  wait "$FUZZ_CHILD" || rc=$?
  FUZZ_CHILD=""
  return $rc
}

# fuzz_regressions TARGET...: every file in tests/fuzz/regressions/TARGET/ must run
# clean. Prints each failure; returns the number of failing inputs (0: all pass).
fuzz_regressions() {
  local failed=0 n=0 t f log
  for t in "$@"; do
    [ -d "$FUZZ_SRC/regressions/$t" ] || continue
    for f in "$FUZZ_SRC/regressions/$t"/*; do
      [ -f "$f" ] || continue
      n=$((n + 1))
      log="$FUZZ_LOGS/regression-$t-${f##*/}.log"
      if ! fuzz_run_child "$FUZZ_BIN/fuzz_$t" -runs=1 -timeout=10 "$f" >"$log" 2>&1; then
        failed=$((failed + 1))
        log "REGRESSION FAILS: $t ${f#"$TONEARM_ROOT"/}"
        fuzz_show_report "$log"
        echo "  reproduce: $FUZZ_BIN/fuzz_$t $f" >&2
      fi
    done
  done
  log "regression inputs: $n run, $failed failing"
  [ "$failed" -eq 0 ]
}

# The interesting part of a libFuzzer log: the sanitizer or check report and the
# top frames of the stack.
fuzz_show_report() {
  grep -E -A2 'FUZZ_CHECK|ERROR: |runtime error|SUMMARY: |deadly signal|Test unit written|^    #[0-9] |==ERROR|terminate called|what\(\)' "$1" \
    | grep -vE '__sanitizer_print_stack_trace|fuzzer::PrintStackTrace|fuzzer::Fuzzer::CrashCallback|fuzzer::Fuzzer::StaticCrashSignalCallback|libc.so.6|__pthread_kill|^--$' \
    | head -40 | cut -c1-240 | sed 's/^/    /' >&2
}

# fuzz_one TARGET SECONDS CORPUS LOG: fuzzes TARGET for SECONDS on CORPUS (a
# directory it may write to). Returns libFuzzer's status; crash inputs go to
# build-fuzz/artifacts/TARGET-crash-* (and timeout-*, oom-*, leak-*).
fuzz_one() {
  local t=$1 seconds=$2 corpus=$3 log=$4
  local args=(-max_total_time="$seconds" -max_len="$(fuzz_max_len "$t")" -timeout=10 -rss_limit_mb=2048
    -print_final_stats=1 -artifact_prefix="$FUZZ_ARTIFACTS/$t-")
  [ -f "$FUZZ_SRC/dict/$t.dict" ] && args+=(-dict="$FUZZ_SRC/dict/$t.dict")
  fuzz_run_child timeout --kill-after=10 $((seconds + 120)) "$FUZZ_BIN/fuzz_$t" "${args[@]}" ${FUZZ_ARGS:-} \
    "$corpus" >"$log" 2>&1
}

# The artifacts a run left (reproducers), newest first.
fuzz_new_artifacts() {
  local t=$1 since=$2
  find "$FUZZ_ARTIFACTS" -maxdepth 1 -type f -name "$t-*" -newer "$since" 2>/dev/null | grep -vE -- '-slow-unit-' || true
}

# One summary line from a run's log: executions, exec/s, coverage, corpus.
fuzz_summary_line() {
  local t=$1 log=$2 corpus=$3
  local execs eps cov ft files bytes
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  files=$(find "$corpus" -type f | wc -l)
  bytes=$(du -sb "$corpus" | cut -f1)
  printf '%-14s %10s %9s %7s %8s %7s %9s\n' "$t" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$files" "$bytes"
}

fuzz_summary_header() {
  printf '%-14s %10s %9s %7s %8s %7s %9s\n' target execs exec/s cov ft corpus bytes
}
