"""A read-only route on the Dask scheduler's HTTP server for clusterctl.

Dask's own /json/identity.json stops answering (HTTP 500) once workers report task metrics
keyed by tuples, which JSON cannot hold. This route reports just what clusterctl needs, the
registered workers, in the same shape, and whether the scheduler serves the dashboard pages
(false when bokeh is missing from its environment). Loaded through the scheduler's
`distributed.scheduler.http.routes` setting; the HTTP server listens on loopback only.
"""
import json
import sys

from distributed.http.utils import RequestHandler


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
        self.write(json.dumps({"address": scheduler.address, "workers": workers, "dashboard": dashboard_pages()}))


routes = [("/clusterctl/v1/workers", WorkersHandler, {})]
