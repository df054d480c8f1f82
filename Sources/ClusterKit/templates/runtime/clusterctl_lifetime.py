"""clusterctl's lifetime limits, enforced by the scheduler itself (`dask scheduler --preload
clusterctl_lifetime`), so they hold with the machine that ran `clusterctl up` switched off.

- CLUSTERCTL_LIFETIME_MAX: seconds after the scheduler started;
- CLUSTERCTL_LIFETIME_NO_CLIENT: seconds without any Dask client connected.

Once a limit is reached the scheduler has every worker service exit with EXIT_NO_CLIENT or
EXIT_MAX, closes, and exits with the same status. Those statuses mean "stopped on purpose":
neither clusterctl's supervisor nor systemd (`RestartPreventExitStatus=`) starts the services
again, and on ec2 the unit powers the instance off. `lifetime()` says how long is left, for
`clusterctl status` (through clusterctl_http's /clusterctl/v1/workers).
"""
import asyncio
import logging
import os
import sys
import threading
import time

import cloudpickle
from distributed.protocol.pickle import dumps
from tornado.ioloop import PeriodicCallback

EXIT_NO_CLIENT = 75
EXIT_MAX = 76
# The pseudo client Dask keeps for fire-and-forget futures is no one connected.
NOT_A_CLIENT = "fire-and-forget"

logger = logging.getLogger("clusterctl.lifetime")
# Functions sent to the nannies travel by value: their processes cannot import this module.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def _limit(name):
    value = os.environ.get(name, "")
    return float(value) if value else None


def exit_soon(status):
    """Ends this process (a worker service, from its nanny) with `status` once the reply to
    the scheduler has gone out; its worker processes end with it."""
    threading.Timer(0.5, os._exit, (status,)).start()


class Lifetime:
    def __init__(self, scheduler):
        self.scheduler = scheduler
        self.max = _limit("CLUSTERCTL_LIFETIME_MAX")
        self.no_client = _limit("CLUSTERCTL_LIFETIME_NO_CLIENT")
        self.started = time.monotonic()
        self.last_client = self.started
        self.ended = None

    def clients(self):
        return [name for name in self.scheduler.clients if name != NOT_A_CLIENT]

    def left(self):
        """Seconds left before each limit (None: no such limit), and clients connected now."""
        now = time.monotonic()
        connected = len(self.clients())
        if connected:
            self.last_client = now
        return {
            "max_left": None if self.max is None else max(0.0, self.max - (now - self.started)),
            "no_client_left": None if self.no_client is None else max(0.0, self.no_client - (now - self.last_client)),
            "clients": connected,
        }

    async def check(self):
        if self.ended is not None:
            return
        left = self.left()
        if left["max_left"] == 0.0:
            self.ended = (EXIT_MAX, f"lifetime.max ({self.max:g} s) reached")
        elif left["no_client_left"] == 0.0:
            self.ended = (EXIT_NO_CLIENT, f"lifetime.no_client: no client connected for {self.no_client:g} s")
        else:
            return
        status, reason = self.ended
        logger.warning("clusterctl: %s; stopping the workers and the scheduler", reason)
        try:
            await self.scheduler.broadcast(msg={"op": "run", "function": dumps(exit_soon), "args": dumps((status,)),
                                                "kwargs": dumps({})}, nanny=True, on_error="ignore")
        except Exception:  # noqa: BLE001 - the scheduler stops whatever the workers answered
            logger.exception("clusterctl: could not tell every worker service to stop")
        # The workers' services end first, so none takes the scheduler's exit for a crash.
        deadline = time.monotonic() + 10
        while self.scheduler.workers and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await self.scheduler.close(reason=reason)
        logging.shutdown()
        os._exit(status)


def dask_setup(scheduler):
    lifetime = Lifetime(scheduler)
    scheduler.clusterctl_lifetime = lifetime
    if lifetime.max is not None or lifetime.no_client is not None:
        scheduler.periodic_callbacks["clusterctl-lifetime"] = PeriodicCallback(lifetime.check, 1000)
