"""A pool of real OpenSSH servers on loopback addresses, one per "host", for benchmarks.

Each host is its own sshd started by Tests/Fixtures/sshd-host on its own 127.0.0.N address;
all share one port and accept one fresh ed25519 client key. `stop()` stops every sshd by the
pid its directory records, and is safe to call more than once.
"""
import os
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "Tests/Fixtures/sshd-host"
PORT_TAKEN = 3


class SSHPool:
    """sshd on each of `addresses` under `directory`, with a client key in `directory/key`."""

    def __init__(self, directory: pathlib.Path, addresses: list[str], session_env=None):
        self.directory = directory
        self.addresses = addresses
        # address -> {NAME: VALUE} set in every SSH session of that host (sshd's SetEnv).
        self.session_env = session_env or {}
        self.key = directory / "key" / "id_ed25519"
        self.port = None
        self.pids: dict[str, int] = {}

    def host_directory(self, address: str) -> pathlib.Path:
        return self.directory / "sshd" / address

    def start(self, attempts: int = 5) -> None:
        """Makes the client key, then starts every sshd on one free port (retrying on a race)."""
        self.key.parent.mkdir(parents=True, exist_ok=True)
        if not self.key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "clusterctl-bench",
                            "-f", str(self.key)], check=True)
        authorized = self.key.with_suffix(".pub")
        for _ in range(attempts):
            self.port = int(subprocess.run([str(FIXTURE), "port", *self.addresses], check=True,
                                           stdout=subprocess.PIPE, text=True).stdout)
            taken = False
            for address in self.addresses:
                setenv = " ".join(f"{k}={v}" for k, v in self.session_env.get(address, {}).items())
                started = subprocess.run([str(FIXTURE), "start", str(self.host_directory(address)), address,
                                          str(self.port), str(authorized)],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                         env=dict(os.environ, SSHD_HOST_SETENV=setenv))
                if started.returncode == PORT_TAKEN:
                    taken = True
                    break
                if started.returncode != 0:
                    raise RuntimeError(f"sshd on {address}:{self.port} did not start: {started.stderr.strip()}")
                self.pids[address] = int(started.stdout)
            if not taken:
                return
            self.stop()
        raise RuntimeError(f"no port was free on all of {', '.join(self.addresses)} in {attempts} attempts")

    def stop(self) -> None:
        """Stops every sshd this pool started (and its sessions), by pid."""
        for address in list(self.pids):
            subprocess.run([str(FIXTURE), "stop", str(self.host_directory(address))],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            del self.pids[address]
