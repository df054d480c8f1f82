#!/usr/bin/env python3
"""A counting HTTP proxy on 127.0.0.1 in front of one AWS endpoint (moto), for benchmarks.

Usage: aws_call_counter.py UPSTREAM_URL STATE_FILE

Every request is forwarded unchanged: method, path and query, body and headers, the Host
header the client sent included (SigV4 signs it). Each forwarded request is counted by its
API action: the `Action=` field of a form body (EC2's query protocol), else `Action=` in the
query string, else the `X-Amz-Target` header, else `METHOD /path`. The service is the one
named in the signature's credential scope (`.../us-east-1/ec2/aws4_request`).

Control endpoints (not counted, not forwarded):
  GET  /__counter/calls   {"calls": [{"service", "action", "status", "t"}...], "counts": {"ec2:RunInstances": 2, ...}}
  POST /__counter/reset   forgets every call so far
STATE_FILE gets the port, written atomically once listening. The proxy runs until SIGTERM,
or until the process that started it goes away.
"""
import http.client
import http.server
import json
import os
import re
import signal
import sys
import threading
import time
from collections import Counter
from urllib.parse import parse_qs, urlsplit

signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
signal.signal(signal.SIGTERM, signal.SIG_DFL)

upstream = urlsplit(sys.argv[1])
state_file = sys.argv[2]
lock = threading.Lock()
calls = []
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}
SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/[^/,]+/([^/,]+)/aws4_request")


def action_of(method, path, headers, body):
    """The API action a request asks for, as the service that gets it names it."""
    form = headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded")
    if form and body:
        found = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if found:
            return found[0]
    found = parse_qs(urlsplit(path).query).get("Action")
    if found:
        return found[0]
    if headers.get("X-Amz-Target"):
        return headers["X-Amz-Target"].split(".")[-1]
    return f"{method} {urlsplit(path).path}"


def service_of(headers):
    found = SCOPE.search(headers.get("Authorization", ""))
    return found.group(1) if found else "unsigned"


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
        if self.path == "/__counter/reset" and self.command == "POST":
            with lock:
                calls.clear()
            return self.reply(200, b"{}", [("Content-Type", "application/json")])
        if self.path == "/__counter/calls":
            with lock:
                counts = Counter(f"{c['service']}:{c['action']}" for c in calls)
                data = json.dumps({"calls": list(calls), "counts": dict(sorted(counts.items()))}).encode()
            return self.reply(200, data, [("Content-Type", "application/json")])
        action = action_of(self.command, self.path, self.headers, body)
        service = service_of(self.headers)
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
        # Header names and values exactly as sent (Host included); only hop-by-hop ones stay here.
        connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        with lock:
            calls.append({"service": service, "action": action, "status": response.status, "t": time.time()})
        relayed = [(n, v) for n, v in response.getheaders() if n.lower() not in HOP_BY_HOP | {"content-length"}]
        self.reply(response.status, data, relayed)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(state_file + ".tmp", "w") as f:
    f.write(f"{server.server_address[1]}\n")
os.rename(state_file + ".tmp", state_file)
parent = os.getppid()
threading.Thread(target=server.serve_forever, daemon=True).start()
while os.getppid() == parent:
    time.sleep(0.5)
os._exit(0)
