"""A fault-injecting HTTP proxy in front of one substation, for the chaos tests.

Usage: fault_proxy.py UPSTREAM_URL MODE_FILE
Prints "listening on http://127.0.0.1:PORT" once it serves. Before each request it reads
MODE_FILE: "pass" forwards as is; "slow" waits 3 s first (past the balancer's 2 s dispatch
timeout); "garbage" answers /metrics with text that is not the Prometheus format (other paths
pass). It only ever talks to UPSTREAM_URL on loopback.
"""
import http.client
import http.server
import os
import random
import signal
import sys
import time
import urllib.parse

UPSTREAM = urllib.parse.urlsplit(sys.argv[1])
MODE_FILE = sys.argv[2]


def mode():
    try:
        with open(MODE_FILE) as handle:
            return handle.read().strip() or "pass"
    except OSError:
        return "pass"


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        current = mode()
        if current == "garbage" and self.path.startswith("/metrics"):
            junk = bytes(random.getrandbits(8) for _ in range(200)) + b"\nsubstation_load{substation=\"S1\" 0.5\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(junk)))
            self.end_headers()
            self.wfile.write(junk)
            return
        if current == "slow":
            time.sleep(3)
        connection = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=10)
        headers = {name: value for name, value in self.headers.items() if name.lower() not in ("host", "connection")}
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
        except OSError:
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        finally:
            connection.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = forward


# A test runner may start us with SIGTERM ignored or blocked: take it back, and stop on it.
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
server.daemon_threads = True
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
