"""clusterctl's routes on the Dask scheduler's HTTP server.

- GET /clusterctl/v1/workers: Dask's own /json/identity.json stops answering (HTTP 500) once
  workers report task metrics keyed by tuples, which JSON cannot hold. This route reports just
  what clusterctl needs, the registered workers, in the same shape, and whether the scheduler
  serves the dashboard pages (false when bokeh is missing from its environment), and how long
  the cluster's lifetime limits leave (clusterctl_lifetime.py).
- POST /clusterctl/v1/restart: what `Client.restart` does: every task is forgotten and every
  worker restarted by its nanny, which clears its memory; answers once they are back.
- POST /clusterctl/v1/reload-tls: the scheduler, every worker and every nanny read their TLS
  files again (the same paths, new contents) and use them for every new connection; open
  connections and the data held in memory stay. This is how certificates are replaced
  without a restart. It reads only files the services' user owns, so it grants nothing.
- GET /clusterctl/v1/versions: the Python and package versions the scheduler and every worker
  process really run, and their environment's directory, for `environment.match_client`.

Loaded through the scheduler's `distributed.scheduler.http.routes` setting; the HTTP server
listens on loopback only.
"""
import json
import sys
from time import time

import cloudpickle
from distributed.http.utils import RequestHandler
from distributed.protocol.pickle import dumps
from distributed.protocol.serialize import Serialized, deserialize


def dashboard_pages():
    """Whether this scheduler serves the dashboard pages (/status): distributed imports
    distributed.dashboard.scheduler, and connects it, only when bokeh is importable."""
    return "distributed.dashboard.scheduler" in sys.modules


class WorkersHandler(RequestHandler):
    def get(self):
        scheduler = self.server
        workers = {
            address: {
                "name": str(ws.name),
                "host": ws.host,
                "nthreads": ws.nthreads,
                "memory_limit": ws.memory_limit,
                "status": ws.status.name if hasattr(ws.status, "name") else str(ws.status),
            }
            for address, ws in list(scheduler.workers.items())
        }
        self.set_header("Content-Type", "application/json")
        lifetime = getattr(scheduler, "clusterctl_lifetime", None)
        self.write(json.dumps({"address": scheduler.address, "workers": workers, "dashboard": dashboard_pages(),
                               "lifetime": lifetime.left() if lifetime else None}))


def reload_tls(server, role):
    """Rebuilds `server`'s TLS contexts from its TLS files and swaps them in: its listeners
    (the next handshake uses them) and its outgoing connection arguments (shared with its
    connection pool)."""
    listen = server.security.get_listen_args(role)["ssl_context"]
    connect = server.security.get_connection_args(role)["ssl_context"]
    if listen is None or connect is None:
        raise RuntimeError("this server has no TLS files configured")
    swapped = 0
    for listener in server.listeners:
        tcp_server = getattr(listener, "tcp_server", None)
        if tcp_server is not None and tcp_server.ssl_options is not None:
            tcp_server.ssl_options = listen
            listener.server_args["ssl_options"] = listen
            swapped += 1
    server.connection_args["ssl_context"] = connect
    if getattr(server, "rpc", None) is not None:
        server.rpc.connection_args["ssl_context"] = connect
    return swapped


def reload_worker_tls(dask_worker):
    """`reload_tls` in a worker or a nanny, through Dask's `run`."""
    return reload_tls(dask_worker, "worker")


class ReloadTLSHandler(RequestHandler):
    async def post(self):
        scheduler = self.server
        failures = {}
        try:
            reload_tls(scheduler, "scheduler")
        except Exception as error:  # noqa: BLE001 - reported to clusterctl
            failures["scheduler"] = repr(error)
        # Workers need not import this module: the function travels by value.
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
        message = {"op": "run", "function": dumps(reload_worker_tls), "args": dumps(()), "kwargs": dumps({}), "wait": True}
        reloaded = {"worker": 0, "nanny": 0}
        for nanny, kind in ((False, "worker"), (True, "nanny")):
            results = await scheduler.broadcast(msg=message, nanny=nanny, on_error="return")
            for address, result in results.items():
                if isinstance(result, Serialized):
                    result = deserialize(result.header, result.frames)
                if isinstance(result, dict) and result.get("status") == "OK":
                    reloaded[kind] += 1
                else:
                    failures[f"{kind} {address}"] = repr(result.get("exception") if isinstance(result, dict) else result)
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps({"reloaded": reloaded, "failures": failures}))


def process_versions(names):
    """This process's Python version, the versions of `names` it has installed (None where
    missing), and its environment's directory."""
    from importlib import metadata

    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    versions = {name: version(name) for name in names}
    versions["python"] = "%d.%d.%d" % sys.version_info[:3]
    return {"versions": versions, "prefix": sys.prefix}


class VersionsHandler(RequestHandler):
    async def get(self):
        scheduler = self.server
        names = [name for name in self.get_argument("packages", "").split(",") if name]
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
        message = {"op": "run", "function": dumps(process_versions), "args": dumps((names,)), "kwargs": dumps({}),
                   "wait": True}
        results = await scheduler.broadcast(msg=message, on_error="return")
        workers = {}
        for address, result in results.items():
            if isinstance(result, Serialized):
                result = deserialize(result.header, result.frames)
            ws = scheduler.workers.get(address)
            entry = {"host": ws.host if ws is not None else address}
            if isinstance(result, dict) and result.get("status") == "OK":
                value = result["result"]
                if isinstance(value, Serialized):
                    value = deserialize(value.header, value.frames)
                entry.update(value)
            else:
                entry["error"] = repr(result.get("exception") if isinstance(result, dict) else result)
            workers[address] = entry
        own = process_versions(names)
        own["host"] = scheduler.ip  # its listen address; clusterctl names the node itself
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps({"scheduler": own, "workers": workers}))


class RestartHandler(RequestHandler):
    async def post(self):
        scheduler = self.server
        before = len(scheduler.workers)
        try:
            await scheduler.restart(timeout=120, wait_for_workers=True, stimulus_id=f"clusterctl-restart-{time()}")
            failure = None
        except Exception as error:  # noqa: BLE001 - reported to clusterctl
            failure = repr(error)
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps({"before": before, "after": len(scheduler.workers), "failure": failure}))


routes = [("/clusterctl/v1/workers", WorkersHandler, {}), ("/clusterctl/v1/reload-tls", ReloadTLSHandler, {}),
          ("/clusterctl/v1/restart", RestartHandler, {}), ("/clusterctl/v1/versions", VersionsHandler, {})]
