#!/usr/bin/env bash
# Side by side with ACN-Sim (Caltech's simulator): installs acnportal from PyPI into a virtual
# environment, replays the same trace through ACN-Sim's FCFS, EDF, LLF and round robin and
# through smartgrid's allocations, and prints one table (share of the energy asked for that was
# delivered; demands met = less than 0.1 kWh short).
#
#   ./scripts/acnsim-compare.sh [TRACE] [LIMITS_KW]
#   ./scripts/acnsim-compare.sh examples/caltech-acn-2019-03.csv 10,20,30,50
#
# The trace defaults to the Caltech sessions of March 2019 shipped in examples/ (ACN-Data: Lee,
# Li and Low, "ACN-Data: Analysis and Applications of an Open EV Charging Dataset", e-Energy 2019).
# The network is the reference one: one aggregate limit, 54 points of 6.6 kW, no base load, floor 0.
set -euo pipefail
cd "$(dirname "$0")/.."
trace=${1:-examples/caltech-acn-2019-03.csv}
limits=${2:-10,20,30,50}
venv=${ACNSIM_VENV:-.build/acnsim-venv}

if [[ ! -x $venv/bin/python ]]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import acnportal" 2>/dev/null; then
    echo "installing acnportal into $venv (pip)"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q acnportal
fi

swift build -c release --product smartgrid >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
IFS=, read -ra limit_list <<<"$limits"
for limit in "${limit_list[@]}"; do
    .build/release/smartgrid simulate --trace "$trace" --capacities "$limit" --charging-points 54 --point-max-kw 6.6 \
        --base-load 0 --admission-floor-kw 0 --json "$work/smartgrid-$limit.json" >/dev/null
done

"$venv/bin/python" - "$trace" "$limits" "$work" <<'PYTHON'
import csv, json, sys, warnings
from datetime import datetime, timedelta

import pytz
from acnportal import acnsim, algorithms
from acnportal.acnsim.events import EventQueue, PluginEvent
from acnportal.acnsim.models import EV, Battery
from acnportal.acnsim.models.evse import EVSE
from acnportal.acnsim.network import ChargingNetwork, Current

warnings.filterwarnings("ignore")
trace, limits, work = sys.argv[1], [float(x) for x in sys.argv[2].split(",")], sys.argv[3]
PERIOD_MIN, VOLTAGE = 5, 208
rows = list(csv.DictReader(open(trace)))
start = pytz.timezone("America/Los_Angeles").localize(datetime(2019, 3, 1))
horizon = max(int(r["departure_s"] or 0) for r in rows) + 48 * 3600

def run(limit_kw, make_scheduler):
    network = ChargingNetwork()
    stations = sorted({r["station_id"] for r in rows})
    for station in stations:
        network.register_evse(EVSE(station, max_rate=6.6 * 1000 / VOLTAGE), VOLTAGE, 0)
    network.add_constraint(Current(stations), limit_kw * 1000 / VOLTAGE, name="aggregate")
    events = EventQueue()
    for r in rows:
        arrival = int(r["arrival_s"]) // (PERIOD_MIN * 60)
        departure = int(r["departure_s"] or horizon) // (PERIOD_MIN * 60)
        battery = Battery(capacity=1e6, init_charge=0, max_power=float(r["max_power_kw"]))
        ev = EV(arrival, departure, float(r["energy_kwh"]), r["station_id"], r["session_id"], battery)
        events.add_event(PluginEvent(arrival, ev))
    scheduler = make_scheduler()
    if hasattr(scheduler, "max_recompute"):
        scheduler.max_recompute = 1
    simulator = acnsim.Simulator(network, scheduler, events, start, period=PERIOD_MIN, verbose=False)
    simulator.run()
    return acnsim.proportion_of_energy_delivered(simulator), acnsim.proportion_of_demands_met(simulator, threshold=0.1)

schedulers = {
    "ACN-Sim FCFS": lambda: algorithms.SortedSchedulingAlgo(algorithms.first_come_first_served),
    "ACN-Sim EDF": lambda: algorithms.SortedSchedulingAlgo(algorithms.earliest_deadline_first),
    "ACN-Sim LLF": lambda: algorithms.SortedSchedulingAlgo(algorithms.least_laxity_first),
    "ACN-Sim round robin": lambda: algorithms.RoundRobin(algorithms.first_come_first_served),
}
table = {}
for limit in limits:
    for name, make in schedulers.items():
        table.setdefault(name, {})[limit] = run(limit, make)
    report = json.load(open(f"{work}/smartgrid-{limit:g}.json"))
    for result in report["results"]:
        table.setdefault("smartgrid " + result["allocation"], {})[limit] = (
            result["energyDeliveredRatio"], result.get("demandsNearlyMetRatio", float("nan")))
    table.setdefault("offline optimum", {})[limit] = (report["offlineOptimum"]["energyDeliveredRatio"], float("nan"))

width = max(len(name) for name in table) + 2
print(f"energy delivered / asked for (demands met), {trace}")
print("".ljust(width) + "".join(f"{limit:g} kW".rjust(18) for limit in limits))
for name, figures in table.items():
    cells = []
    for limit in limits:
        energy, met = figures[limit]
        cells.append((f"{100 * energy:.2f}%" + ("" if met != met else f" ({100 * met:.1f}%)")).rjust(18))
    print(name.ljust(width) + "".join(cells))
PYTHON
