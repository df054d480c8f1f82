#!/usr/bin/env python3
"""A fault-injecting HTTP proxy on 127.0.0.1 in front of one upstream (moto), for retry tests.

Usage: fault_proxy.py UPSTREAM_URL STATE_FILE LOG_FILE

Requests are forwarded unchanged (Host header included, so SigV4 signatures stay valid)
except the first `count` after each configuration, which get `status` and an EC2-style
XML error with `code` instead. Control endpoints (not counted, not forwarded):
  POST /__proxy/faults  {"count": N, "status": 503, "code": "RequestLimitExceeded"}  resets counters
  GET  /__proxy/stats   {"requests": total, "faulted": injected, "forwarded": passed on}
Each counted request is logged as "METHOD PATH -> STATUS injected|forwarded".
STATE_FILE gets the port, written atomically once listening.
"""
import http.client
import http.server
import json
import os
import signal
import sys
import threading
import time
from urllib.parse import urlsplit

signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
signal.signal(signal.SIGTERM, signal.SIG_DFL)

upstream = urlsplit(sys.argv[1])
state_file, log_file = sys.argv[2], sys.argv[3]
lock = threading.Lock()
config = {"count": 0, "status": 503, "code": "RequestLimitExceeded"}
stats = {"requests": 0, "faulted": 0, "forwarded": 0}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/__proxy/faults" and self.command == "POST":
            with lock:
                config.update(json.loads(body))
                stats.update(requests=0, faulted=0, forwarded=0)
            return self.reply(200, b"{}", [("Content-Type", "application/json")])
        if self.path == "/__proxy/stats":
            with lock:
                data = json.dumps(stats).encode()
            return self.reply(200, data, [("Content-Type", "application/json")])
        with lock:
            stats["requests"] += 1
            inject = stats["faulted"] < config["count"]
            stats["faulted" if inject else "forwarded"] += 1
            status, code = config["status"], config["code"]
        if inject:
            error = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
                     f'<Message>Injected by the test proxy</Message></Error></Errors>'
                     f'<RequestID>injected-{stats["requests"]}</RequestID></Response>').encode()
            self.record(status, "injected")
            return self.reply(status, error, [("Content-Type", "text/xml")])
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        self.record(response.status, "forwarded")
        relayed = [(n, v) for n, v in response.getheaders() if n.lower() not in HOP_BY_HOP | {"content-length"}]
        self.reply(response.status, data, relayed)

    def record(self, status, how):
        with lock, open(log_file, "a") as log:
            log.write(f"{self.command} {self.path.split('?')[0]} -> {status} {how}\n")

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(state_file + ".tmp", "w") as f:
    f.write(f"{server.server_address[1]}\n")
os.rename(state_file + ".tmp", state_file)
parent = os.getppid()
threading.Thread(target=server.serve_forever, daemon=True).start()
while os.getppid() == parent:
    time.sleep(0.5)
os._exit(0)
