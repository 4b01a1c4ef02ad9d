#!/usr/bin/env bash
# Memory soak of one substation (issue #14: RSS <= 50 MB and flat after 1M requests): starts a
# fresh journaled substation as bench-proxy.sh does (admits every car; sessions leave after 0.1 s
# real time), books REQUESTS sessions with unique ids through wrk, samples VmRSS every 10 s, and
# prints peak RSS (VmHWM), CPU per booking (utime+stime over 201s) and the history's read-back.
#
#   SMARTGRID_BIN=.build/release/smartgrid scripts/substation-soak.sh [REQUESTS] [MAX_SECONDS]
#
# Loopback only; the substation it starts is stopped by its pid; wrk stops at REQUESTS bookings
# (default 1000000) or MAX_SECONDS (default 900), whichever comes first.
set -euo pipefail
cd "$(dirname "$0")/.."

requests=${1:-1000000}
max_seconds=${2:-900}
bin=${SMARTGRID_BIN:-.build/release/smartgrid}
[[ -x $bin ]] || { echo "error: no smartgrid executable at $bin (swift build -c release --product smartgrid)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "error: wrk is needed (apt-get install wrk)" >&2; exit 1; }

folder=$(mktemp -d /tmp/smartgrid-soak.XXXXXX)
port=$((20000 + RANDOM % 20000))
threads=2
connections=32
per_thread=$(((requests + threads - 1) / threads))

cat >"$folder/orders.lua" <<LUA
-- A fresh session id per booking; each thread stops after its share.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args) sent = 0 answered = 0 end
function request()
  sent = sent + 1
  local body = string.format('{"id":"soak-%d-%d","vehicleId":"EV-%d","energyKWh":1,"maxPowerKW":11,"departureMinutes":1}', tid, sent, sent)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  answered = answered + 1
  if answered >= $per_thread then wrk.thread:stop() end
end
LUA

"$bin" substation --id S1 --port "$port" --log-level error --capacity-kw 1000000 --charging-points 100000 \
    --point-max-kw 50 --base-load 0 --time-scale 600 --data-dir "$folder/data" >"$folder/substation.log" 2>&1 &
pid=$!
sampler=
cleanup() {
    [[ -n $sampler ]] && kill "$sampler" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    rm -rf "$folder"
}
trap cleanup EXIT

for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
    sleep 0.1
done

rss() { awk -v key="$1:" '$1 == key { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"; }
cpu() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat"; }
admitted() { curl -sf "http://127.0.0.1:$port/metrics" | awk '/^substation_sessions_total\{.*outcome="admitted"/ { printf "%d", $2 }'; }

echo "substation pid $pid, idle RSS $(rss VmRSS) MB; booking $requests sessions (at most ${max_seconds}s)"
(
    start=$SECONDS
    while kill -0 "$pid" 2>/dev/null; do
        sleep 10
        echo "  t=$((SECONDS - start))s RSS $(rss VmRSS) MB (anonymous $(rss RssAnon), files $(rss RssFile); peak $(rss VmHWM) MB), admitted $(admitted)"
    done
) &
sampler=$!

ticks_before=$(cpu)
admitted_before=$(admitted)
# wrk runs out its duration even once every thread has stopped: interrupt it (it then reports)
# as soon as the substation has admitted them all.
wrk -t$threads -c$connections -d"${max_seconds}s" --latency -s "$folder/orders.lua" "http://127.0.0.1:$port/sessions" \
    >"$folder/wrk.txt" &
load=$!
while kill -0 "$load" 2>/dev/null; do
    sleep 2
    if (($(admitted) - admitted_before >= requests)); then kill -INT "$load" 2>/dev/null || true; fi
done
wait "$load" || true
sed -n '/Latency Distribution/,/Requests\/sec/p' "$folder/wrk.txt"
ticks_after=$(cpu)
admitted_after=$(admitted)
sleep 2
kill "$sampler" 2>/dev/null || true
sampler=

booked=$(awk -v a="$admitted_after" -v b="$admitted_before" 'BEGIN { print a - b }')
echo "booked $booked; CPU per booking $(awk -v t=$((ticks_after - ticks_before)) -v n="$booked" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.1f", t / hz / n * 1e6 }') us; RSS now $(rss VmRSS) MB, peak $(rss VmHWM) MB"
echo "oldest booking still readable: $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/sessions/soak-1-1"); \
newest: $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/sessions/soak-1-$per_thread")"
