#!/usr/bin/env python3
"""bench/latency-proxy: TCP forwarders that add a fixed delay each way, to stand for a network.

Each `--listen ADDRESS:PORT --target ADDRESS:PORT` pair is one forwarder (give as many pairs as
hosts). Every chunk read from one side is written to the other `--delay-ms` later (default 25 ms
each way, so 50 ms round trips), in order; an end of stream (half-close) and a reset travel the
same way, after the same delay. A new connection is forwarded to its target only after 1.5 round
trips (SYN, SYN-ACK, ACK), so the server accepts it, and sees the client's first bytes, when it
would on a real link; the client's own connect returns at once, but nothing it could wait for
arrives earlier than on that link. Standard library only.

Prints `ready` on stdout once every pair listens, then runs until SIGTERM or SIGINT. Exits 3 if a
listening port is taken (the caller may pick another), 1 on any other failure to start.

Usage:
  bench/latency-proxy --listen 127.0.0.3:PORT --target 127.0.0.3:22xx [--listen ... --target ...]
                      [--delay-ms 25]
  bench/latency-proxy --self-test [--delay-ms 25]

From Python: `LatencyProxy(pairs, delay_ms).start()` runs it as a child process and `stop()`
stops that process by its pid.
"""
import argparse
import asyncio
import errno
import select
import signal
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass

PORT_TAKEN = 3
CHUNK = 64 * 1024
QUEUED_CHUNKS = 256  # per direction; a full queue stops reading, so TCP's flow control holds the sender

EOF = "eof"
RESET = "reset"


@dataclass(frozen=True)
class Pair:
    listen: tuple[str, int]
    target: tuple[str, int]


def address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected ADDRESS:PORT, got {text!r}")
    return host, int(port)


def reset(writer: asyncio.StreamWriter) -> None:
    """Closes the connection with a TCP reset (SO_LINGER 0), as a dropped peer's would."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


async def read_side(reader: asyncio.StreamReader, queue: asyncio.Queue, delay: float) -> None:
    """Queues each chunk, then EOF or RESET, with the time it may be written."""
    loop = asyncio.get_running_loop()
    try:
        while data := await reader.read(CHUNK):
            await queue.put((loop.time() + delay, data))
        await queue.put((loop.time() + delay, EOF))
    except (ConnectionError, OSError):
        await queue.put((loop.time() + delay, RESET))


async def write_side(queue: asyncio.Queue, writer: asyncio.StreamWriter, source: asyncio.StreamWriter) -> str:
    """Writes each queued item at its time; returns how the direction ended (EOF or RESET)."""
    loop = asyncio.get_running_loop()
    while True:
        when, item = await queue.get()
        if (wait := when - loop.time()) > 0:
            await asyncio.sleep(wait)
        try:
            if item is EOF:
                if writer.can_write_eof():
                    writer.write_eof()
                await writer.drain()
                return EOF
            if item is RESET:
                reset(writer)
                return RESET
            writer.write(item)
            await writer.drain()
        except (ConnectionError, OSError):
            reset(source)  # the far side is gone: so is the connection, for the sender too
            return RESET


async def forward(client_reader, client_writer, target: tuple[str, int], delay: float) -> None:
    """One connection: after the handshake's 1.5 round trips, two delayed directions until both end."""
    upward: asyncio.Queue = asyncio.Queue(QUEUED_CHUNKS)
    upward_reader = asyncio.create_task(read_side(client_reader, upward, delay))
    server_writer = None
    tasks = [upward_reader]
    try:
        await asyncio.sleep(3 * delay)
        try:
            server_reader, server_writer = await asyncio.open_connection(*target)
        except OSError:
            await asyncio.sleep(delay)  # the refusal travels back
            reset(client_writer)
            return
        downward: asyncio.Queue = asyncio.Queue(QUEUED_CHUNKS)
        tasks += [asyncio.create_task(write_side(upward, server_writer, client_writer)),
                  asyncio.create_task(read_side(server_reader, downward, delay)),
                  asyncio.create_task(write_side(downward, client_writer, server_writer))]
        writers = {tasks[1], tasks[3]}
        while writers:
            done, writers = await asyncio.wait(writers, return_when=asyncio.FIRST_COMPLETED)
            if any(task.result() is RESET for task in done):
                reset(client_writer)
                reset(server_writer)
                break
    except asyncio.CancelledError:
        pass  # the proxy is stopping: the connection closes below, and asyncio need not report it
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for writer in (client_writer, server_writer):
            if writer is not None and not writer.transport.is_closing():
                writer.close()


async def serve(pairs: list[Pair], delay: float) -> list[asyncio.base_events.Server]:
    """Listens on every pair's address; raises OSError(EADDRINUSE) if one is taken."""
    servers = []
    try:
        for pair in pairs:
            def handler(reader, writer, target=pair.target):
                return forward(reader, writer, target, delay)
            servers.append(await asyncio.start_server(handler, *pair.listen, reuse_address=True))
    except OSError:
        for server in servers:
            server.close()
        raise
    return servers


async def run(pairs: list[Pair], delay: float) -> int:
    try:
        servers = await serve(pairs, delay)
    except OSError as error:
        print(f"latency-proxy: cannot listen: {error}", file=sys.stderr)
        return PORT_TAKEN if error.errno == errno.EADDRINUSE else 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    print("ready", flush=True)
    await stop.wait()
    for server in servers:
        server.close()
    return 0


# --- self-test ---------------------------------------------------------------------------------

async def self_test(delay: float) -> int:
    """An echo server behind one forwarder: checks the delays, the order, a half-close and a reset."""
    async def echo(reader, writer):
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
        writer.close()  # after the client's half-close: everything was echoed, then EOF

    async def resetting(reader, writer):
        await reader.read(1)
        reset(writer)

    failures = []

    def check(ok: bool, what: str) -> None:
        print(f"latency-proxy self-test: {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    echo_server = await asyncio.start_server(echo, "127.0.0.1", 0)
    reset_server = await asyncio.start_server(resetting, "127.0.0.1", 0)
    targets = [("127.0.0.1", s.sockets[0].getsockname()[1]) for s in (echo_server, reset_server)]
    proxies = await serve([Pair(("127.0.0.1", 0), target) for target in targets], delay)
    echo_port, reset_port = (p.sockets[0].getsockname()[1] for p in proxies)
    try:
        start = time.monotonic()
        reader, writer = await asyncio.open_connection("127.0.0.1", echo_port)
        writer.write(b"ping")
        first = await reader.readexactly(4)
        first_s = time.monotonic() - start
        check(first == b"ping" and first_s >= 4 * delay,
              f"connect and first round trip {first_s * 1000:.1f} ms (>= {4 * delay * 1000:.0f} ms: handshake + round trip)")
        times = []
        for _ in range(5):
            start = time.monotonic()
            writer.write(b"x")
            await reader.readexactly(1)
            times.append(time.monotonic() - start)
        check(min(times) >= 2 * delay,
              f"round trips {', '.join(f'{t * 1000:.1f}' for t in times)} ms (>= {2 * delay * 1000:.0f} ms each)")
        payload = bytes(range(256)) * 4096  # 1 MiB in many chunks
        writer.write(payload)
        writer.write_eof()
        echoed = await asyncio.wait_for(reader.read(), 30)
        check(echoed == payload, f"1 MiB echoed in order, then the half-close came back as EOF ({len(echoed)} bytes)")
        writer.close()

        reader, writer = await asyncio.open_connection("127.0.0.1", reset_port)
        writer.write(b"!")
        try:
            extra = await asyncio.wait_for(reader.read(), 5)
            check(False, f"a reset by the server reached the client as a reset (got {extra!r} and EOF)")
        except ConnectionResetError:
            check(True, "a reset by the server reached the client as a reset")
        writer.close()
    finally:
        for server in (echo_server, reset_server, *proxies):
            server.close()
    print(f"latency-proxy self-test: {'passed' if not failures else 'FAILED'} at {delay * 1000:g} ms each way")
    return 1 if failures else 0


# --- as a child process ------------------------------------------------------------------------

class LatencyProxy:
    """The forwarders for `pairs` in a child process; `stop()` ends it by pid (safe to repeat)."""

    def __init__(self, pairs: list[Pair], delay_ms: float, log_path=None):
        self.pairs = pairs
        self.delay_ms = delay_ms
        self.log_path = log_path
        self.process = None

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def start(self, timeout: float = 10) -> None:
        """Starts it and waits for `ready`; raises OSError(EADDRINUSE) if a port was taken."""
        argv = [sys.executable, __file__, "--delay-ms", str(self.delay_ms)]
        for pair in self.pairs:
            argv += ["--listen", f"{pair.listen[0]}:{pair.listen[1]}", "--target", f"{pair.target[0]}:{pair.target[1]}"]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
        finally:
            if self.log_path:
                log.close()
        deadline = time.monotonic() + timeout
        line = b""
        while time.monotonic() < deadline and self.process.poll() is None:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.1)
            if ready:
                line = self.process.stdout.readline()
                break
        if line.strip() == b"ready":
            return
        code = self.process.poll()
        self.stop()
        if code == PORT_TAKEN:
            raise OSError(errno.EADDRINUSE, "a latency-proxy port is taken")
        raise RuntimeError(f"latency-proxy did not start (exit {code}); see {self.log_path or 'its stderr'}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self.process = None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", action="append", type=address, default=[], help="ADDRESS:PORT to listen on")
    parser.add_argument("--target", action="append", type=address, default=[], help="ADDRESS:PORT to forward to")
    parser.add_argument("--delay-ms", type=float, default=25.0, help="delay each way in ms (default 25)")
    parser.add_argument("--self-test", action="store_true", help="check the delays against a local echo server")
    args = parser.parse_args()
    if args.delay_ms < 0:
        parser.error("--delay-ms must be 0 or more")
    if args.self_test:
        return asyncio.run(self_test(args.delay_ms / 1000))
    if not args.listen or len(args.listen) != len(args.target):
        parser.error("give one --target after each --listen")
    return asyncio.run(run([Pair(l, t) for l, t in zip(args.listen, args.target)], args.delay_ms / 1000))


if __name__ == "__main__":
    sys.exit(main())
