#!/usr/bin/env python3
"""Drives headless Chromium over the DevTools protocol for the dashboard test.

Opens the dashboard, reads what it shows twice (sending charge requests in between), takes a
screenshot, and prints what it read as JSON. Chromium's network log records every URL the page
asked for. Usage: browse_dashboard.py GATEWAY_URL SCREENSHOT.png NETLOG.json
"""
import base64, json, os, shutil, socket, subprocess, sys, tempfile, time, urllib.request

import websocket  # websocket-client

gateway, screenshot, netlog = sys.argv[1], sys.argv[2], sys.argv[3]
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
profile = tempfile.mkdtemp(prefix="smartgrid-chromium-")
browser = subprocess.Popen(
    [shutil.which("chromium") or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
     "--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync",
     "--disable-default-apps", "--no-default-browser-check", "--disable-client-side-phishing-detection",
     "--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter,Translate",
     # Nothing but this machine resolves: the browser itself cannot reach out either.
     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
     f"--remote-debugging-port={port}", f"--user-data-dir={profile}",
     f"--log-net-log={netlog}", "--window-size=1200,1300", "about:blank"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    deadline = time.time() + 60
    while True:
        try:
            targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2))
            page = next(t for t in targets if t["type"] == "page")
            break
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
    ids = iter(range(1, 1_000_000))

    requested = []  # every URL the page itself asked for

    def call(method, **params):
        number = next(ids)
        ws.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(ws.recv())
            if message.get("method") == "Network.requestWillBeSent":
                requested.append(message["params"]["request"]["url"])
            if message.get("id") == number:
                return message.get("result", {})

    read = """JSON.stringify({
      sessions: document.getElementById('sessions').textContent,
      queue: document.getElementById('queue').textContent,
      power: document.getElementById('power').textContent,
      substations: [...document.querySelectorAll('[data-substation]')].map(e => e.dataset.substation),
      decisions: document.getElementById('decisions').textContent,
      connection: document.getElementById('connection').textContent,
      chartPoints: Math.max(0, ...[...document.querySelectorAll('#chart polyline')].map(
        (line) => (line.getAttribute('points') || '').trim().split(/\s+/).filter((p) => p).length)) })"""

    def sample():
        # Before the page has loaded the elements are not there yet: that reads as "nothing yet".
        result = call("Runtime.evaluate", expression=read, returnByValue=True).get("result", {})
        if "value" not in result:
            return {"sessions": "", "queue": "", "power": "", "substations": [], "decisions": "", "connection": "", "chartPoints": 0}
        return json.loads(result["value"])

    def wait_for(condition, seconds):
        end = time.time() + seconds
        while time.time() < end:
            current = sample()
            if condition(current):
                return current
            time.sleep(0.2)
        return sample()

    call("Page.enable")
    call("Network.enable")
    call("Page.navigate", url=gateway + "/dashboard")
    first = wait_for(lambda s: s["sessions"] not in ("–", ""), 30)
    for number in range(20):
        request = urllib.request.Request(gateway + "/request_charge", method="POST")
        urllib.request.urlopen(request, timeout=10).read()
    second = wait_for(lambda s: s["sessions"] != first["sessions"], 30)
    image = call("Page.captureScreenshot", format="png")
    with open(screenshot, "wb") as file:
        file.write(base64.b64decode(image["data"]))
    print(json.dumps({"first": first, "second": second, "requested": sorted(set(requested))}))
finally:
    browser.terminate()
    try:
        browser.wait(timeout=10)
    except subprocess.TimeoutExpired:
        browser.kill()
    shutil.rmtree(profile, ignore_errors=True)
