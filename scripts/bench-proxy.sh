#!/usr/bin/env bash
# The balancing hop against HAProxy, side by side in one run (issue #14): four fresh substations
# that admit every car for each run, then in turn HAProxy `balance leastconn` -> POST /sessions,
# the balancer's POST /route, and the gateway's POST /api/v1/charge-requests (durable: SQLite),
# under the same wrk load, A B C A B C over several rounds. Prints req/s, p50, p99, CPU per request
# and peak RSS of the balancing process, and each ratio to HAProxy (medians over the rounds).
#
#   scripts/bench-proxy.sh [--seconds 8] [--rounds 3] [--connections 32] [--threads 2] [--warmup 1]
#                          [--paths haproxy,balancer,gateway] [--no-substation-durability]
#                          [--json FILE] [--keep] [--debug]
#
# Builds release once (`swift build -c release --product smartgrid`) unless SMARTGRID_BIN names a
# binary; --debug uses the debug build instead (for a smoke test, not for figures). Installs
# Debian's haproxy and wrk when missing (needs root and apt). Loopback only; every process it
# starts is stopped by its pid; the whole run is bounded by BENCH_TIMEOUT seconds (default 3600).
set -euo pipefail
cd "$(dirname "$0")/.."

configuration=release
arguments=()
for argument in "$@"; do
    if [[ $argument == --debug ]]; then configuration=debug; else arguments+=("$argument"); fi
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
    echo "building smartgrid ($configuration)" >&2
    swift build -c "$configuration" --product smartgrid >&2
    bin=$(swift build -c "$configuration" --show-bin-path)/smartgrid
fi
[[ -x $bin ]] || { echo "error: no smartgrid executable at $bin" >&2; exit 1; }

exec timeout --signal=TERM --kill-after=30 "${BENCH_TIMEOUT:-3600}" \
    python3 scripts/bench_proxy.py --binary "$bin" ${arguments[@]+"${arguments[@]}"}
