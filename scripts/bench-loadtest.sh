#!/usr/bin/env bash
# Is the load tester ever the bottleneck? Runs it and wrk, side by side in one run, against the
# same trivial local endpoint (a release gateway whose balancer is not there: every POST is a fast
# 502 problem answer), and prints both rates and their ratio. Goal: smartgrid loadtest >= 0.7x wrk.
#   ./scripts/bench-loadtest.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-64}
command -v wrk >/dev/null || { echo "error: wrk is missing (apt-get install wrk)" >&2; exit 1; }
swift build -c release --product smartgrid >/dev/null
bin=$(swift build -c release --show-bin-path)/smartgrid

port=$((20000 + RANDOM % 20000))
"$bin" gateway --port "$port" --balancer "http://127.0.0.1:$((port + 1))" --log-level error >/dev/null 2>&1 &
gateway=$!
trap 'kill "$gateway" 2>/dev/null; wait "$gateway" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done

body='{"vehicleId":"EV-1","energyKWh":30,"maxPowerKW":11}'
script=$(mktemp --suffix .lua)
printf 'wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' "'$body'" >"$script"

wrk_rps=$(wrk -t2 -c"$connections" -d"${seconds}s" -s "$script" "http://127.0.0.1:$port/api/v1/charge-requests" | awk '/Requests\/sec/ {print $2}')
report=$(mktemp --suffix .json)
"$bin" loadtest --target "http://127.0.0.1:$port" --requests 10000000 --duration "$seconds" --concurrency "$connections" \
    --json "$report" >/dev/null
ours=$(python3 -c 'import sys, json; print(round(json.load(open(sys.argv[1]))["requestsPerSecond"], 1))' "$report")
rm -f "$script" "$report"

echo "endpoint: POST /api/v1/charge-requests on a release gateway (fast 502s), $connections connections, ${seconds}s each"
echo "wrk:                 $wrk_rps requests/s"
echo "smartgrid loadtest:  $ours requests/s"
python3 -c 'import sys; w, o = float(sys.argv[1]), float(sys.argv[2]); print(f"ratio loadtest/wrk:  {o / w:.2f} (goal >= 0.70)")' "$wrk_rps" "$ours"
