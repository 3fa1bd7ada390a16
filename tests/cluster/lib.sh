# Shared by the cluster tests (tests/cluster/failover, tests/cluster/edge): starts
# scripts/cluster on free ports in a temporary directory and stops it on exit,
# showing its output and the instances' logs when the test failed.
#   source tests/cluster/lib.sh; start_cluster N [NAME=value ...]   (settings for scripts/cluster)
# Sets: dir (the test's scratch directory), port, url, pids (the instances' pids), and
# every variable of the cluster's env file (INSTANCE_PORTS, PG_*, REDIS_*, NGINX_PID...).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/scripts/lib.sh"
cd "$root"
: "${TONEARM_BIN:?set TONEARM_BIN to a built tonearm}"
export CLUSTER_AUDIO_DIR=${CLUSTER_AUDIO_DIR:-${TONEARM_TEST_AUDIO_DIR:-}}
[ -n "$CLUSTER_AUDIO_DIR" ] || die "set CLUSTER_AUDIO_DIR (or TONEARM_TEST_AUDIO_DIR) to a directory of tagged audio"

dir=$(mktemp -d "${TMPDIR:-/tmp}/tonearm-cluster.XXXXXX")
chmod 0755 "$dir"
port=$(free_port)
url="http://127.0.0.1:$port"
CLUSTER_PID="" LOAD_PID=""
FINISH_HOOKS=()  # commands a test adds, run first on exit (its own servers)
finish() {
  local rc=$? hook
  trap - EXIT
  for hook in ${FINISH_HOOKS[@]+"${FINISH_HOOKS[@]}"}; do eval "$hook" || true; done
  [ -n "$LOAD_PID" ] && { kill -TERM "$LOAD_PID" 2>/dev/null || true; wait "$LOAD_PID" 2>/dev/null || true; }
  if [ -n "$CLUSTER_PID" ]; then
    # Instances a test stopped (SIGSTOP) must take the SIGTERM.
    for p in ${pids[@]+"${pids[@]}"}; do kill -CONT "$p" 2>/dev/null || true; done
    kill -TERM "$CLUSTER_PID" 2>/dev/null || true  # (a background job ignores SIGINT)
    wait "$CLUSTER_PID" 2>/dev/null || true
  fi
  if [ $rc -ne 0 ]; then
    echo "--- cluster output" >&2; tail -30 "$dir/cluster.log" >&2 || true
    for f in "$dir"/cluster/tonearm-*/log; do echo "--- $f" >&2; grep -v " info access " "$f" | tail -15 >&2 || true; done
  fi
  rm -rf "$dir"
  exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM

start_cluster() {
  local n=$1
  shift
  log "starting a cluster of $n on 127.0.0.1:$port"
  env "$@" CLUSTER_DIR="$dir/cluster" CLUSTER_PORT="$port" scripts/cluster "$n" >"$dir/cluster.log" 2>&1 &
  CLUSTER_PID=$!
  for _ in $(seq 1 1200); do
    [ -f "$dir/cluster/env" ] && break
    kill -0 "$CLUSTER_PID" 2>/dev/null || die "scripts/cluster exited"
    sleep 0.1
  done
  [ -f "$dir/cluster/env" ] || die "the cluster did not come up in 120 s"
  # shellcheck disable=SC1091
  source "$dir/cluster/env"
  read -r -a pids <<<"$INSTANCE_PIDS"
}
