# Shared helpers for scripts/test, scripts/demo and bench/: packages, build, and
# throwaway PostgreSQL / Redis servers on loopback. Source it; do not run it.

TONEARM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Debian packages the build, the server and the tests need.
TONEARM_PACKAGES=(build-essential cmake ninja-build pkg-config libboost-dev libpqxx-dev
  libhiredis-dev nlohmann-json3-dev libspdlog-dev libgtest-dev libgmock-dev libsodium-dev
  libtag1-dev libvips-dev zlib1g-dev libssl-dev prometheus-cpp-dev postgresql redis-server prometheus curl ca-certificates
  ffmpeg nginx gettext-base libxml2-utils)

# Installs whatever of the named packages is missing (apt-get update only if needed).
ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# Build settings from the environment: TONEARM_BUILD_TYPE (default RelWithDebInfo),
# TONEARM_CMAKE_ARGS (extra cmake arguments, split on spaces), TONEARM_JOBS (ninja -j,
# default 2). Read once here and then taken out of the environment: every process the
# scripts start inherits it, and `tonearm` refuses TONEARM_* variables it does not know
# (the servers of the e2e tests and of the demo would not start).
tonearm_build_type=${TONEARM_BUILD_TYPE:-}
tonearm_cmake_args=${TONEARM_CMAKE_ARGS:-}
tonearm_jobs=${TONEARM_JOBS:-2}
unset TONEARM_BUILD_TYPE TONEARM_CMAKE_ARGS TONEARM_JOBS

# build_tonearm [DIR [CMAKE_ARG...]]: configures and builds into DIR (default build/;
# binary: DIR/tonearm). The CMAKE_ARGs come before TONEARM_CMAKE_ARGS, which wins.
build_tonearm() {
  local dir=${1:-$TONEARM_ROOT/build}
  if [ $# -gt 0 ]; then shift; fi
  cmake -S "$TONEARM_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="${tonearm_build_type:-RelWithDebInfo}" \
    "$@" $tonearm_cmake_args >/dev/null
  ninja -C "$dir" -j "$tonearm_jobs"
}

# Prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( 20000 + RANDOM % 12000 ))  # below the ephemeral range (32768+)
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die "no free port found"
}

# Runs a PostgreSQL command as the postgres user when we are root (it refuses root).
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_postgres DIR PORT: a cluster in DIR/data (created if missing), socket in DIR,
# listening on 127.0.0.1:PORT. Trust auth for user postgres: for loopback use only.
start_postgres() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  chmod 0700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-off} -c max_connections=200" start >/dev/null \
    || { tail -20 "$dir/postgres.log" >&2; die "postgres did not start"; }
}

stop_postgres() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
}

# psql_admin PORT SQL...: runs SQL as postgres on the loopback server.
psql_admin() {
  local port=$1; shift
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"
}

# start_redis DIR PORT: sets REDIS_PID. No persistence unless REDIS_PERSIST=1.
start_redis() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  local persist=(--save '' --appendonly no)
  [ "${REDIS_PERSIST:-0}" = 1 ] && persist=(--save 60 1 --dir "$dir")
  redis-server --bind 127.0.0.1 --port "$port" "${persist[@]}" --logfile "$dir/redis.log" &
  REDIS_PID=$!
  for _ in $(seq 1 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  die "redis did not start (see $dir/redis.log)"
}

stop_redis() {
  local port=$1 pid=${2:-}
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
}
