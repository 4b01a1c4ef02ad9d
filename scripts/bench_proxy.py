#!/usr/bin/env python3
"""Side-by-side benchmark of the balancing hop (issue #14), driven by scripts/bench-proxy.sh.

Starts four fresh substations that admit every car (sessions leave after 0.1 s real time) for
every run, then puts in front of them, in turn:
  haproxy   HAProxy `balance leastconn` -> substations' POST /sessions
  forwarder a bare SwiftNIO forwarder (`smartgrid-bench forward`, fewest in flight) -> POST /sessions:
            the floor for a balancer on SwiftNIO, with no routing view, validation or metrics
  balancer  smartgrid balancer POST /route -> same substations
  gateway   smartgrid gateway POST /api/v1/charge-requests (SQLite, durable) -> balancer -> substations
and loads each with the same wrk command, A B C A B C over several rounds. Prints req/s, p50,
p99, CPU per request of the balancing process(es) (utime+stime from /proc/PID/stat), their peak
RSS (VmHWM), and each median's ratio to HAProxy's. Everything listens on 127.0.0.1, every process
started is stopped by its pid, every wait is bounded.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PATHS = ["haproxy", "forwarder", "balancer", "gateway", "gateway-pg"]
# The paths run when --paths is not given: gateway-pg only with --database.
DEFAULT_PATHS = ["haproxy", "forwarder", "balancer", "gateway"]

LUA = r"""
-- A fresh session id per request (substations answer a repeated id with the same session).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  n = 0
  tag = args[1] or "run"
  withId = args[2] == "id"
end
function request()
  n = n + 1
  local body
  if withId then
    body = string.format('{"id":"%s-%d-%d","vehicleId":"EV-%d","energyKWh":1,"maxPowerKW":11,"departureMinutes":1}', tag, tid, n, n)
  else
    body = string.format('{"vehicleId":"EV-%d","energyKWh":1,"maxPowerKW":11,"departureMinutes":1}', n)
  end
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
"""


def log(message):
    print(message, file=sys.stderr, flush=True)


class Processes:
    """Everything one run started, stopped by pid."""

    def __init__(self, folder):
        self.folder = folder
        self.started = []

    def start(self, name, argv):
        out = open(os.path.join(self.folder, name + ".log"), "wb")
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.started.append((name, process))
        return process

    def stop_all(self):
        for _, process in reversed(self.started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.time() + 10
        for name, process in reversed(self.started):
            try:
                process.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                log(f"  {name} (pid {process.pid}) did not stop on SIGTERM: killed")
                process.kill()
                process.wait(timeout=5)
        self.started = []

    def check_alive(self):
        for name, process in self.started:
            if process.poll() is not None:
                tail = open(os.path.join(self.folder, name + ".log"), errors="replace").read()[-2000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")


def http(method, url, body=None, timeout=2.0):
    data = body.encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None, b""


def wait_until(what, check, processes, limit=60.0):
    deadline = time.time() + limit
    while time.time() < deadline:
        processes.check_alive()
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out after {limit:.0f}s waiting for {what}")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # after the command: state is field 3, utime 14 and stime 15 (1-based over the whole line)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def status_mb(pid, field):
    """A memory figure of /proc/PID/status (VmHWM: peak RSS, VmRSS: RSS now) in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb(pid):
    return status_mb(pid, "VmHWM")


def rss_mb(pid):
    return status_mb(pid, "VmRSS")


class RSSSampler(threading.Thread):
    """Samples VmRSS of named processes every `every` seconds while a run lasts."""

    def __init__(self, processes, every):
        super().__init__(daemon=True)
        self.processes = processes  # [(name, pid)]
        self.every = every
        self.samples = []  # (seconds since start, {name: MB})
        self.stopped = threading.Event()

    def run(self):
        start = time.monotonic()
        while not self.stopped.wait(0 if not self.samples else self.every):
            try:
                self.samples.append((time.monotonic() - start, {name: rss_mb(pid) for name, pid in self.processes}))
            except OSError:
                return

    def stop(self):
        self.stopped.set()
        self.join(timeout=5)
        try:
            self.samples.append((self.samples[-1][0] if self.samples else 0, {n: rss_mb(p) for n, p in self.processes}))
        except OSError:
            pass

    def summary(self):
        """Per process: RSS at the first sample after a minute (the first sample in shorter runs), the last, the highest."""
        if not self.samples:
            return {}
        settled_at, settled = next(((at, values) for at, values in self.samples if at >= 60), self.samples[0])
        last = self.samples[-1][1]
        return {name: {"settled_at": settled_at, "settled": settled[name], "last": last[name],
                       "max": max(v[name] for _, v in self.samples)} for name in last}


def duration_ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output):
    result = {"rps": 0.0, "p50": float("nan"), "p99": float("nan"), "requests": 0, "errors": 0, "non2xx": 0}
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("Requests/sec:"):
            result["rps"] = float(line.split()[1])
        elif line.startswith("50%"):
            result["p50"] = duration_ms(line.split()[1])
        elif line.startswith("99%"):
            result["p99"] = duration_ms(line.split()[1])
        elif re.match(r"\d+ requests in", line):
            result["requests"] = int(line.split()[0])
        elif line.startswith("Non-2xx or 3xx responses:"):
            result["non2xx"] = int(line.split()[-1])
        elif line.startswith("Socket errors:"):
            result["errors"] = sum(int(n) for n in re.findall(r"\d+", line))
    return result


class Bench:
    def __init__(self, options):
        self.options = options
        self.binary = options.binary
        self.port = random.randint(20000, 50000)
        self.folder = tempfile.mkdtemp(prefix="bench-proxy-")
        self.lua = os.path.join(self.folder, "post.lua")
        with open(self.lua, "w") as script:
            script.write(LUA)

    def next_port(self):
        # A port the system says is free now (other engineers' tests share this machine's loopback).
        while True:
            self.port = self.port + 1 if self.port < 60000 else 20000
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                try:
                    probe.bind(("127.0.0.1", self.port))
                except OSError:
                    continue
            return self.port

    def substations(self, processes, run_folder):
        urls = []
        for index in range(1, 5):
            port = self.next_port()
            data_dir = os.path.join(run_folder, f"substation-{index}") if self.options.substation_durability else "none"
            processes.start(
                f"substation-{index}",
                [
                    self.binary, "substation", "--id", f"S{index}", "--port", str(port), "--log-level", "error",
                    "--capacity-kw", "1000000", "--charging-points", "100000", "--point-max-kw", "50",
                    "--base-load", "0", "--time-scale", "600", "--data-dir", data_dir,
                ],
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            wait_until(f"substation {url}", lambda url=url: http("GET", url + "/health")[0] == 200, processes)
        return urls

    def haproxy(self, processes, run_folder, urls):
        port = self.next_port()
        servers = "\n".join(f"    server s{i} {url[len('http://'):]} maxconn 1000" for i, url in enumerate(urls, 1))
        config = os.path.join(run_folder, "haproxy.cfg")
        with open(config, "w") as file:
            file.write(
                f"""global
    maxconn 4096
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
frontend charge
    bind 127.0.0.1:{port}
    default_backend substations
backend substations
    balance leastconn
{servers}
"""
            )
        process = processes.start("haproxy", ["haproxy", "-db", "-f", config])
        url = f"http://127.0.0.1:{port}/sessions"
        return url, [process], True

    def forwarder(self, processes, urls):
        port = self.next_port()
        upstream_ports = [url.rsplit(":", 1)[1] for url in urls]
        process = processes.start("forwarder", [self.options.forwarder, "forward", str(port)] + upstream_ports)
        return f"http://127.0.0.1:{port}/sessions", [process], True

    def balancer(self, processes, urls):
        port = self.next_port()
        argv = [self.binary, "balancer", "--port", str(port), "--log-level", "error"]
        for url in urls:
            argv += ["--substation", url]
        process = processes.start("balancer", argv)
        base = f"http://127.0.0.1:{port}"

        def all_up():
            status, body = http("GET", base + "/substations")
            if status != 200:
                return False
            view = json.loads(body)
            return all(s.get("up") and s.get("id") for s in view.get("substations", []))

        wait_until("the balancer to see every substation up", all_up, processes)
        return base, process

    def gateway(self, processes, run_folder, balancer_url, database=None):
        port = self.next_port()
        storage = ["--database", database] if database else ["--data-dir", os.path.join(run_folder, "gateway")]
        process = processes.start(
            "gateway",
            [self.binary, "gateway", "--port", str(port), "--log-level", "error", "--balancer", balancer_url] + storage,
        )
        base = f"http://127.0.0.1:{port}"
        wait_until(f"gateway {base}", lambda: http("GET", base + "/health")[0] == 200, processes)
        return process, base

    def wrk(self, url, seconds, tag, with_id):
        argv = [
            "wrk", f"-t{self.options.threads}", f"-c{self.options.connections}", f"-d{seconds}s", "--latency",
            "-s", self.lua, url, "--", tag, "id" if with_id else "noid",
        ]
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
        if completed.returncode != 0:
            raise RuntimeError(f"wrk failed: {completed.stderr}")
        return parse_wrk(completed.stdout)

    def run(self, path, round_number):
        run_folder = os.path.join(self.folder, f"{path}-{round_number}")
        os.makedirs(run_folder)
        processes = Processes(run_folder)
        try:
            urls = self.substations(processes, run_folder)
            if path == "haproxy":
                target, front, with_id = self.haproxy(processes, run_folder, urls)
                wait_until(
                    "haproxy",
                    lambda: http("POST", target, '{"vehicleId":"EV-0","energyKWh":1,"maxPowerKW":11,"departureMinutes":1}')[0] == 201,
                    processes)
            elif path == "forwarder":
                target, front, with_id = self.forwarder(processes, urls)
                wait_until("the forwarder", lambda: http("GET", target.rsplit("/", 1)[0] + "/health")[0] == 200, processes)
            elif path == "balancer":
                base, process = self.balancer(processes, urls)
                target, front, with_id = base + "/route", [process], True
            else:
                balancer_url, balancer = self.balancer(processes, urls)
                database = self.options.database if path == "gateway-pg" else None
                gateway, base = self.gateway(processes, run_folder, balancer_url, database)
                target, front, with_id = base + "/api/v1/charge-requests", [gateway, balancer], False
            probe = '{"vehicleId":"EV-0","energyKWh":1,"maxPowerKW":11,"departureMinutes":1}'
            status, body = http("POST", target, probe, timeout=5)
            if status != 201:
                raise RuntimeError(f"{path}: a probe POST {target} answered {status}: {body[:300]!r}")
            if self.options.warmup > 0:
                self.wrk(target, self.options.warmup, "warm", with_id)
            processes.check_alive()
            before = [cpu_seconds(p.pid) for p in front]
            substations_before = [cpu_seconds(p.pid) for name, p in processes.started if name.startswith("substation")]
            sampler = None
            if self.options.rss_every:
                named = [(name, p.pid) for name, p in processes.started if p in front or name.startswith("substation")]
                sampler = RSSSampler(named, self.options.rss_every)
                sampler.start()
            try:
                result = self.wrk(target, self.options.seconds, "main", with_id)
            finally:
                if sampler:
                    sampler.stop()
            after = [cpu_seconds(p.pid) for p in front]
            substations_after = [cpu_seconds(p.pid) for name, p in processes.started if name.startswith("substation")]
            processes.check_alive()
            requests = max(1, result["requests"])
            result["cpu_us"] = (sum(after) - sum(before)) / requests * 1e6
            result["substation_cpu_us"] = (sum(substations_after) - sum(substations_before)) / requests * 1e6
            result["rss_mb"] = max(peak_rss_mb(p.pid) for p in front)
            result["substation_rss_mb"] = max(peak_rss_mb(p.pid) for name, p in processes.started if name.startswith("substation"))
            if sampler:
                result["rss_series"] = sampler.samples
                result["rss_summary"] = sampler.summary()
                for name, figures in sorted(result["rss_summary"].items()):
                    log(f"  RSS {name}: {figures['settled']:.1f} MB at {figures['settled_at']:.0f} s, {figures['last']:.1f} MB at the end "
                        f"({result['requests']:,} requests), highest {figures['max']:.1f} MB")
            return result
        finally:
            processes.stop_all()
            if not self.options.keep:
                shutil.rmtree(run_folder, ignore_errors=True)


def fmt(value, digits=0):
    return "-" if value != value else f"{value:,.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the smartgrid executable")
    parser.add_argument("--forwarder", help="the smartgrid-bench executable (for the forwarder path)")
    parser.add_argument("--seconds", type=float, default=8, help="measured seconds of wrk per run")
    parser.add_argument("--warmup", type=float, default=1, help="unmeasured seconds of wrk before each run (0: none)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--paths", help="comma-separated subset of " + ",".join(PATHS) + " (default: " + ",".join(DEFAULT_PATHS)
                        + ", and gateway-pg with --database)")
    parser.add_argument("--database", help="postgres://... for the gateway-pg path (the gateway on PostgreSQL)")
    parser.add_argument("--no-substation-durability", dest="substation_durability", action="store_false",
                        help="substations keep nothing (--data-dir none); by default each journals to SQLite")
    parser.add_argument("--json", help="also write every run and the medians to this file")
    parser.add_argument("--keep", action="store_true", help="keep the run folders (logs, databases)")
    parser.add_argument("--rss-every", type=float, default=0,
                        help="sample every process's RSS this often (seconds) during each run and print how it moved")
    options = parser.parse_args()
    options.seconds = int(options.seconds) if options.seconds == int(options.seconds) else options.seconds
    default_paths = DEFAULT_PATHS + (["gateway-pg"] if options.database else [])
    paths = [p for p in (options.paths or ",".join(default_paths)).split(",") if p]
    for p in paths:
        if p not in PATHS:
            parser.error(f"unknown path {p}")
    if "forwarder" in paths and not (options.forwarder and os.access(options.forwarder, os.X_OK)):
        parser.error(f"the forwarder path needs --forwarder SMARTGRID_BENCH (not found: {options.forwarder})")
    if "gateway-pg" in paths and not options.database:
        parser.error("the gateway-pg path needs --database postgres://...")

    # Stopped from outside (timeout, Ctrl-C): unwind, so every run stops what it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bench = Bench(options)
    runs = {p: [] for p in paths}
    try:
        for round_number in range(1, options.rounds + 1):
            for path in paths:
                result = bench.run(path, round_number)
                runs[path].append(result)
                log(
                    f"round {round_number} {path:8}  {fmt(result['rps'])} req/s  p50 {fmt(result['p50'], 2)} ms  "
                    f"p99 {fmt(result['p99'], 2)} ms  cpu {fmt(result['cpu_us'], 1)} us/req  rss {fmt(result['rss_mb'], 1)} MB  "
                    f"(substations {fmt(result['substation_cpu_us'], 1)} us/req, {fmt(result['substation_rss_mb'], 1)} MB; "
                    f"non-2xx {result['non2xx']}, socket errors {result['errors']})"
                )
    finally:
        if not options.keep:
            shutil.rmtree(bench.folder, ignore_errors=True)

    def median(path, key):
        values = [r[key] for r in runs[path] if r[key] == r[key]]
        return statistics.median(values) if values else float("nan")

    medians = {p: {k: median(p, k) for k in ["rps", "p50", "p99", "cpu_us", "rss_mb", "substation_cpu_us", "substation_rss_mb"]}
               for p in paths}
    for p in paths:
        medians[p]["non2xx"] = sum(r["non2xx"] for r in runs[p])
        medians[p]["errors"] = sum(r["errors"] for r in runs[p])
    labels = {
        "haproxy": "HAProxy leastconn -> POST /sessions",
        "forwarder": "bare SwiftNIO forwarder -> POST /sessions",
        "balancer": "balancer POST /route",
        "gateway": "gateway POST /api/v1/charge-requests",
        "gateway-pg": "gateway on PostgreSQL (--database)",
    }
    print(
        f"wrk -t{options.threads} -c{options.connections} -d{options.seconds}s, 4 substations "
        f"({'journaled' if options.substation_durability else 'in memory'}), medians of {options.rounds} round(s); "
        f"CPU and RSS of the balancing process (gateway path: gateway + balancer)"
    )
    print("| path | req/s | p50 ms | p99 ms | CPU us/req | peak RSS MB | vs HAProxy: req/s, p99, CPU |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    base = medians.get("haproxy")
    for p in paths:
        m = medians[p]
        ratio = "-"
        if base and p != "haproxy" and base["rps"] > 0:
            ratio = (f"{m['rps'] / base['rps']:.2f}x, {m['p99'] / base['p99']:.2f}x, "
                     f"{m['cpu_us'] / base['cpu_us']:.2f}x" if base["cpu_us"] > 0 else f"{m['rps'] / base['rps']:.2f}x")
        print(f"| {labels[p]} | {fmt(m['rps'])} | {fmt(m['p50'], 2)} | {fmt(m['p99'], 2)} | {fmt(m['cpu_us'], 1)} | "
              f"{fmt(m['rss_mb'], 1)} | {ratio} |")
    if "gateway" in paths and "gateway-pg" in paths and medians["gateway"]["rps"] > 0:
        print(f"gateway on PostgreSQL / on SQLite: {medians['gateway-pg']['rps'] / medians['gateway']['rps']:.2f}x req/s")
    bad = {p: (medians[p]["non2xx"], medians[p]["errors"]) for p in paths if medians[p]["non2xx"] or medians[p]["errors"]}
    if bad:
        print("warning: answers other than 201 or socket errors: " +
              ", ".join(f"{p}: {n} non-2xx, {e} socket errors" for p, (n, e) in bad.items()))
    if options.json:
        with open(options.json, "w") as file:
            json.dump({"options": vars(options), "runs": runs, "medians": medians}, file, indent=2)
    if any(medians[p]["rps"] <= 0 for p in paths):
        sys.exit(1)


if __name__ == "__main__":
    main()
