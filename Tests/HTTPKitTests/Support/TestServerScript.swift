/// The Python test server run by ``LocalHTTPServer``: a threaded HTTP/1.1 server on
/// 127.0.0.1 with a kernel-chosen port, written to the file named by argv[1].
///
/// Paths: `/health`; `/inspect...` (any path under it: the request as JSON: method, raw path, headers, base64
/// body, client port); `/echo` (body back, method in `X-Echo-Method`); `/status?code=N`;
/// `/flaky?key=K&fail=N&code=C` (C for the first N calls per key, then 200, `X-Attempt`);
/// `/slow?seconds=S`; `/big` (100 000 bytes, so HEAD must not wait for them); and as a
/// forward proxy, any absolute-form request gets `via proxy` and `X-Proxied-Url`.
/// argv[2] is the mode: `http` (default), `https CERT KEY`, or `full-backlog` (no HTTP at
/// all: a listener whose accept queue is full, so connecting hangs until the connect
/// timeout). The server exits by itself when its parent process dies or after 10 minutes.
let testServerScript = #"""
import base64, json, os, signal, socket, ssl, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counters = {}
counters_lock = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        if self.path.startswith("http://"):
            # An absolute-form request: we are being used as a forward proxy.
            return self.reply(200, b"via proxy", [("X-Proxied-Url", self.path)])
        path, _, query = self.path.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if path == "/health":
            return self.reply(200, b"ok")
        if path.startswith("/inspect"):
            doc = {"method": self.command, "path": self.path,
                   "headers": [[k, v] for k, v in self.headers.items()],
                   "body": base64.b64encode(body).decode(), "client_port": self.client_address[1]}
            return self.reply(200, json.dumps(doc).encode(), [("Content-Type", "application/json")])
        if path == "/echo":
            return self.reply(200, body, [("X-Echo-Method", self.command), ("X-Echo-Custom", self.headers.get("X-Custom", ""))])
        if path == "/status":
            return self.reply(int(params["code"]), params.get("body", "").encode())
        if path == "/flaky":
            with counters_lock:
                counters[params["key"]] = counters.get(params["key"], 0) + 1
                count = counters[params["key"]]
            status = int(params.get("code", "503")) if count <= int(params["fail"]) else 200
            return self.reply(status, str(count).encode(), [("X-Attempt", str(count))])
        if path == "/slow":
            time.sleep(float(params["seconds"]))
            return self.reply(200, b"late")
        if path == "/big":
            return self.reply(200, b"x" * 100000)
        return self.reply(404, b"no such path")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any

class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that time out on purpose close their end early

def exit_with_parent(parent):
    deadline = time.monotonic() + 600
    while os.getppid() == parent and time.monotonic() < deadline:
        time.sleep(0.2)
    os._exit(0)

def publish_port(port):
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])

signal.pthread_sigmask(signal.SIG_SETMASK, [])  # the Swift parent may have blocked SIGTERM
threading.Thread(target=exit_with_parent, args=(os.getppid(),), daemon=True).start()
mode = sys.argv[2] if len(sys.argv) > 2 else "http"
if mode == "full-backlog":
    # A listener whose accept queue is full: new connections hang in SYN until they time out.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(listener.getsockname())
        except BlockingIOError:
            pass
        fillers.append(filler)
    time.sleep(0.2)
    publish_port(listener.getsockname()[1])
    while True:
        time.sleep(1)
server = Server(("127.0.0.1", 0), Handler)
if mode == "https":
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    server.socket = context.wrap_socket(server.socket, server_side=True)
publish_port(server.server_address[1])
server.serve_forever()
"""#
