#!/usr/bin/env bash
# One balancing hop under load, for profiling and for comparing two builds side by side.
#
#   scripts/profile-hop.sh BINARY OUTDIR [SECONDS]
#
# Starts four substations that admit every car (as scripts/bench-proxy.sh does), then the hop
# MODE names in front of them: `balancer` (POST /route, the default), `gateway` (POST
# /api/v1/charge-requests through gateway and balancer, SQLite in OUTDIR), `haproxy`
# (leastconn -> POST /sessions) or `forwarder` (the bare SwiftNIO forwarder of
# `smartgrid-bench forward`, taken from beside BINARY -> POST /sessions). Warms up for 1 s, loads it with `wrk -t2 -c32` for SECONDS
# (default 8), and prints req/s, p50, p99, and the CPU per request of the hop's process (the
# gateway's alone in `gateway` mode), all of it and the user-space part; then the four
# substations' CPU per request together and how idle the machine was.
#
# Optional, while the load runs: PERF=1 records a profile (`perf record -F $FREQ -g`, FREQ 999)
# into OUTDIR/perf.data (PERF_EVENT=cpu-clock:u for user space only, PERF_CALLGRAPH="--call-graph
# dwarf,32768" for whole stacks through Swift's frames); STAT=1 counts system calls and context
# switches (OUTDIR/stat.txt; STAT_EVENTS=a,b,c counts those `perf stat` events instead); STRACE=1 runs `strace ${STRACE_ARGS:--c} -f` for 2 s (OUTDIR/strace.txt).
#
# Side by side: for i in 1 2 3; do for b in OLD NEW; do scripts/profile-hop.sh $b /tmp/hop 5; done; done
# OUTDIR keeps the logs, data folders and wrk output of the last run.
# Everything listens on 127.0.0.1; every process started is stopped by its pid at the end.
set -u
if [[ $# -lt 2 ]]; then
  echo "usage: $0 BINARY OUTDIR [SECONDS]" >&2
  exit 2
fi
bin=$1
out=$2
secs=${3:-8}
mode=${MODE:-balancer}
case $mode in balancer | gateway | haproxy | forwarder) ;; *)
  echo "MODE must be balancer, gateway, haproxy or forwarder, not $mode" >&2
  exit 2
  ;;
esac
for tool in wrk curl python3; do
  command -v $tool > /dev/null || { echo "$tool is missing" >&2; exit 1; }
done
mkdir -p "$out" && rm -rf "$out"/s[1-4] "$out/gateway"
pids=()
trap 'kill ${pids[@]} 2> /dev/null; wait 2> /dev/null' EXIT
# Below the kernel's ephemeral range (ip_local_port_range, 32768-60999 here): there an outgoing
# connection of any process can hold the port a service is about to listen on.
base=$((20000 + RANDOM % 10000))
substations=()
for i in 1 2 3 4; do
  port=$((base + i))
  mkdir -p "$out/s$i"
  "$bin" substation --id S$i --port $port --log-level error --capacity-kw 1000000 --charging-points 100000 \
    --point-max-kw 50 --base-load 0 --time-scale 600 --data-dir "$out/s$i" > "$out/s$i.log" 2>&1 &
  pids+=($!)
  substations+=(--substation http://127.0.0.1:$port)
done
balancer_port=$((base + 10))
"$bin" balancer --port $balancer_port --log-level error "${substations[@]}" > "$out/balancer.log" 2>&1 &
hop=$!
pids+=($hop)
for _ in $(seq 1 100); do
  curl -s http://127.0.0.1:$balancer_port/substations | python3 -c 'import json, sys
view = json.load(sys.stdin)
sys.exit(0 if view["substations"] and all(s.get("up") for s in view["substations"]) else 1)' 2> /dev/null && break
  sleep 0.2
done
target=http://127.0.0.1:$balancer_port/route
body='{"id":"p-%d-%d","vehicleId":"EV-%d","energyKWh":1,"maxPowerKW":11,"departureMinutes":1}'
format_args='tid, n, n'
if [[ $mode == haproxy ]]; then
  haproxy_port=$((base + 30))
  {
    printf 'global\n    maxconn 4096\ndefaults\n    mode http\n    timeout connect 1s\n    timeout client 30s\n'
    printf '    timeout server 30s\nfrontend charge\n    bind 127.0.0.1:%d\n    default_backend substations\n' $haproxy_port
    printf 'backend substations\n    balance leastconn\n'
    for i in 1 2 3 4; do printf '    server s%d 127.0.0.1:%d maxconn 1000\n' $i $((base + i)); done
  } > "$out/haproxy.cfg"
  haproxy -db -f "$out/haproxy.cfg" > "$out/haproxy.log" 2>&1 &
  hop=$!
  pids+=($hop)
  for _ in $(seq 1 50); do curl -s -o /dev/null http://127.0.0.1:$haproxy_port/ && break; sleep 0.1; done
  target=http://127.0.0.1:$haproxy_port/sessions
elif [[ $mode == forwarder ]]; then
  forwarder_port=$((base + 40))
  "$(dirname "$bin")/smartgrid-bench" forward $forwarder_port $((base + 1)) $((base + 2)) $((base + 3)) $((base + 4)) \
    > "$out/forwarder.log" 2>&1 &
  hop=$!
  pids+=($hop)
  for _ in $(seq 1 50); do curl -sf -o /dev/null http://127.0.0.1:$forwarder_port/health && break; sleep 0.1; done
  target=http://127.0.0.1:$forwarder_port/sessions
elif [[ $mode == gateway ]]; then
  gateway_port=$((base + 20))
  "$bin" gateway --port $gateway_port --log-level error --balancer http://127.0.0.1:$balancer_port \
    --data-dir "$out/gateway" > "$out/gateway.log" 2>&1 &
  hop=$!
  pids+=($hop)
  for _ in $(seq 1 50); do curl -sf http://127.0.0.1:$gateway_port/health > /dev/null && break; sleep 0.2; done
  target=http://127.0.0.1:$gateway_port/api/v1/charge-requests
  body='{"vehicleId":"EV-%d","energyKWh":1,"maxPowerKW":11,"departureMinutes":1}'
  format_args='n'
fi
cat > "$out/post.lua" << LUA
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
function init(args) n = 0 end
function request()
  n = n + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, string.format('$body', $format_args))
end
LUA
wrk -t2 -c32 -d1s -s "$out/post.lua" $target > /dev/null
cpu() { awk -v field=$1 '{print field == "user" ? $14 : $14 + $15}' /proc/$hop/stat; }
# The substations' CPU together, and the machine's idle time, to see where the rest goes.
substations_cpu() { local t=0; for p in "${pids[@]:0:4}"; do t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $t; }
idle() { awk '/^cpu /{print $5 + $6}' /proc/stat; }
all0=$(cpu all)
subs0=$(substations_cpu)
idle0=$(idle)
user0=$(cpu user)
watcher=
if [[ ${STAT:-0} == 1 ]]; then
  perf stat -e "${STAT_EVENTS:-raw_syscalls:sys_enter,context-switches,task-clock}" -p $hop -o "$out/stat.txt" -- sleep $secs > /dev/null 2>&1 &
  watcher=$!
elif [[ ${STRACE:-0} == 1 ]]; then
  timeout 2 strace ${STRACE_ARGS:--c} -f -p $hop -o "$out/strace.txt" > /dev/null 2>&1 &
  watcher=$!
elif [[ ${PERF:-0} == 1 ]]; then
  perf record ${PERF_EVENT:+-e $PERF_EVENT} -F ${FREQ:-999} ${PERF_CALLGRAPH:--g} -p $hop -o "$out/perf.data" -- sleep $secs > /dev/null 2>&1 &
  watcher=$!
fi
wrk -t2 -c32 -d${secs}s --latency -s "$out/post.lua" $target > "$out/wrk.txt"
all1=$(cpu all)
subs1=$(substations_cpu)
idle1=$(idle)
user1=$(cpu user)
[[ -n $watcher ]] && wait $watcher
requests=$(awk '/requests in/{print $1}' "$out/wrk.txt")
per_request() { python3 -c "print(round(($2 - $1) / $(getconf CLK_TCK) / $requests * 1e6, 1))"; }
echo "$mode: $(awk '/Requests\/sec/{print $2}' "$out/wrk.txt") req/s, p50 $(awk '/ 50%/{print $2}' "$out/wrk.txt")," \
  "p99 $(awk '/ 99%/{print $2}' "$out/wrk.txt"), CPU $(per_request $all0 $all1) us/req" \
  "(user $(per_request $user0 $user1)), peak RSS $(awk '/VmHWM/{print $2, $3}' /proc/$hop/status)"
echo "  substations together: CPU $(per_request $subs0 $subs1) us/req; machine idle $(python3 -c "print(round(($idle1 - $idle0) / $(getconf CLK_TCK) / $(nproc) / $secs * 100))")%"
grep -i "non-2xx\|socket errors" "$out/wrk.txt" || true
