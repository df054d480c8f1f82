"""Brings up distributed's SSHCluster on given hosts and reports when all workers registered.

Usage: python3 bench/sshcluster_up.py CONFIG_JSON
CONFIG_JSON: {"scheduler": host, "workers": [host, ...], "port": ssh port, "user": login,
              "key": private key path, "pythons": [remote python per host, scheduler first],
              "nthreads": n, "memory_limit": "1GiB"}

Every Dask process listens on its own host's loopback address: the scheduler on
`scheduler_options["host"]`, each nanny and its worker on `host` in that worker's own options.
SSHCluster hands one `worker_options` dict to every worker host, so the cluster is made
unstarted (asynchronous) and each worker's options get its host before it starts.

Prints one JSON line once `client.wait_for_workers(n)` returns — {"ready": time.monotonic(),
"scheduler": address, "workers": {address: host}} — then waits for stdin to close and shuts the
cluster down. time.monotonic() is CLOCK_MONOTONIC, comparable with the parent's clock.
"""
import asyncio
import json
import sys
import time

from distributed import Client
from distributed.deploy.ssh import SSHCluster


async def main(config: dict) -> None:
    workers = config["workers"]
    worker_options = {"nthreads": config["nthreads"], "memory_limit": config["memory_limit"]}
    cluster = SSHCluster(
        [config["scheduler"], *workers],
        connect_options={"port": config["port"], "username": config["user"],
                         "client_keys": [config["key"]], "known_hosts": None},
        worker_options=worker_options,
        scheduler_options={"host": config["scheduler"], "port": 0, "dashboard_address": "127.0.0.1:0"},
        remote_python=config["pythons"],
        asynchronous=True,
    )
    for index, host in enumerate(workers):
        cluster.worker_spec[index]["options"]["kwargs"] = {**worker_options, "host": host}
    await cluster
    try:
        async with Client(cluster, asynchronous=True) as client:
            await client.wait_for_workers(len(workers))
            ready = time.monotonic()
            info = await client.scheduler.identity(n_workers=-1)
            print(json.dumps({"ready": ready, "scheduler": info["address"],
                              "workers": {address: worker["host"] for address, worker in info["workers"].items()}}),
                  flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        await cluster.close()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
