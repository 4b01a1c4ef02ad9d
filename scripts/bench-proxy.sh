#!/usr/bin/env bash
# The balancing hop against HAProxy, side by side in one run (issue #14): four fresh substations
# that admit every car for each run, then in turn HAProxy `balance leastconn` -> POST /sessions,
# a bare SwiftNIO forwarder (`smartgrid-bench forward`: the floor for any balancer on SwiftNIO,
# with no features), the balancer's POST /route, and the gateway's POST /api/v1/charge-requests
# (durable: SQLite), under the same wrk load, A B C D A B C D over several rounds. Prints req/s,
# p50, p99, CPU per request and peak RSS of the balancing process, and each ratio to HAProxy
# (medians over the rounds).
#
#   scripts/bench-proxy.sh [--seconds 8] [--rounds 3] [--connections 32] [--threads 2] [--warmup 1]
#                          [--paths haproxy,forwarder,balancer,gateway,gateway-pg] [--no-substation-durability]
#                          [--postgres] [--rss-every SECONDS] [--json FILE] [--keep] [--debug]
#
# --postgres also runs the gateway on PostgreSQL (path gateway-pg) against a private cluster it
# starts (initdb in a temporary folder as the postgres user, 127.0.0.1:55433) and stops, and
# prints its rate against the gateway on SQLite.
#
# Builds release once (`swift build -c release --product smartgrid`, and `smartgrid-bench` for the
# forwarder) unless SMARTGRID_BIN names a binary (smartgrid-bench is taken from beside it);
# --debug uses the debug build instead (for a smoke test, not for figures). Installs Debian's
# haproxy and wrk when missing (needs root and apt). Loopback only; every process it
# starts is stopped by its pid; the whole run is bounded by BENCH_TIMEOUT seconds (default 3600).
set -euo pipefail
cd "$(dirname "$0")/.."

configuration=release
postgres=0
arguments=()
for argument in "$@"; do
    case $argument in
        --debug) configuration=debug ;;
        --postgres) postgres=1 ;;
        *) arguments+=("$argument") ;;
    esac
done

missing=()
command -v haproxy >/dev/null || missing+=(haproxy)
command -v wrk >/dev/null || missing+=(wrk)
if ((${#missing[@]})); then
    echo "installing ${missing[*]} (Debian packages)" >&2
    if [[ $(id -u) == 0 ]]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
command -v python3 >/dev/null || { echo "error: python3 is needed to drive the benchmark" >&2; exit 1; }

if [[ -n ${SMARTGRID_BIN:-} ]]; then
    bin=$SMARTGRID_BIN
else
    echo "building smartgrid and smartgrid-bench ($configuration)" >&2
    swift build -c "$configuration" --product smartgrid >&2
    swift build -c "$configuration" --product smartgrid-bench >&2
    bin=$(swift build -c "$configuration" --show-bin-path)/smartgrid
fi
[[ -x $bin ]] || { echo "error: no smartgrid executable at $bin" >&2; exit 1; }
# The forwarder path's bare SwiftNIO forwarder, built beside smartgrid.
forwarder=$(dirname "$bin")/smartgrid-bench

if ((postgres)); then
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    [[ -n $pg_bin && -x $pg_bin/initdb ]] || { echo "error: --postgres needs Debian's postgresql (apt-get install postgresql)" >&2; exit 1; }
    pg_dir=$(mktemp -d /tmp/smartgrid-bench-pg.XXXXXX)
    chown postgres "$pg_dir"
    as_postgres() { if [[ $(id -un) == postgres ]]; then "$@"; else runuser -u postgres -- "$@"; fi; }
    printf 'smartgrid-bench\n' >"$pg_dir/password"
    chown postgres "$pg_dir/password"
    as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=scram-sha-256 --pwfile="$pg_dir/password" >/dev/null
    printf "listen_addresses = '127.0.0.1'\nport = 55433\nunix_socket_directories = '%s'\n" "$pg_dir" >>"$pg_dir/data/postgresql.conf"
    as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 30 start >/dev/null
    trap 'as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true; rm -rf "$pg_dir"' EXIT
    arguments+=(--database "postgres://postgres:smartgrid-bench@127.0.0.1:55433/postgres")
fi

timeout --signal=TERM --kill-after=30 "${BENCH_TIMEOUT:-3600}" \
    python3 scripts/bench_proxy.py --binary "$bin" --forwarder "$forwarder" ${arguments[@]+"${arguments[@]}"}
