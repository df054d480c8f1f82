"""clusterctl's detached supervisor, for nodes without systemd (and the local provider).

    supervise.py start  --id CLUSTER/NAME --pidfile F --log F [--user U] [--env K=V ...] -- COMMAND...
    supervise.py stop   --id CLUSTER/NAME --pidfile F [--timeout S]
    supervise.py status --id CLUSTER/NAME --pidfile F

`start` runs COMMAND in a new session, detached from the caller, stdin from /dev/null and
output appended to the log, and records its pid. A process already running under that
name (left by an interrupted run) is stopped first. A process counts as the service only if its
environment carries CLUSTERCTL_SERVICE=CLUSTER/NAME, so a reused pid is never mistaken for it.
`stop` sends SIGTERM to the service's process group, waits, then SIGKILLs what is left.
Each prints one line: `running PID` or `stopped`.

With `--user U` (the supervisor runs as root), the service opens its log as root, hands the
log file to the owner of the log directory (so the login user still reads it), then drops to
user U (its groups, gid, uid, HOME, USER, LOGNAME) in the runtime directory before it runs.
`stop` and `status` then need root too: another user's /proc/PID/environ is root's to read.
"""
import argparse
import os
import pwd
import signal
import sys
import time

MARK = "CLUSTERCTL_SERVICE"


def alive(pid, ident):
    """True if pid is a live (not zombie) process carrying our mark."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                return False
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f"{MARK}={ident}".encode() in f.read().split(b"\0")
    except (OSError, IndexError):
        return False


def recorded_pid(pidfile):
    try:
        with open(pidfile) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def running(args):
    pid = recorded_pid(args.pidfile)
    return pid if pid and alive(pid, args.id) else None


def start(args):
    command = args.command
    if not command:
        sys.exit("supervise.py: no command given")
    # clusterctl starts only what it does not know to be running: a live process under this
    # name was left by an interrupted run (with other ports, or tied to a scheduler that is
    # gone), so it is replaced, never taken over.
    if running(args):
        stop(args, quiet=True)
    env = dict(os.environ)
    for pair in args.env:
        key, _, value = pair.partition("=")
        env[key] = value
    env[MARK] = args.id
    account = None
    if args.user:
        try:
            account = pwd.getpwnam(args.user)
        except KeyError:
            sys.exit(f"supervise.py: no user {args.user!r} on this host")
        if os.geteuid() != 0 and os.geteuid() != account.pw_uid:
            sys.exit(f"supervise.py: running services as {args.user} needs root")
        env.update(HOME=account.pw_dir, USER=account.pw_name, LOGNAME=account.pw_name)
        for key in ("MAIL", "XDG_RUNTIME_DIR", "SUDO_COMMAND", "SUDO_USER", "SUDO_UID", "SUDO_GID"):
            env.pop(key, None)
    os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)
    report_r, report_w = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.close(report_r)
            os.setsid()
            null = os.open(os.devnull, os.O_RDONLY)
            log = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            if account is not None and os.geteuid() != account.pw_uid:
                logs = os.stat(os.path.dirname(os.path.abspath(args.log)))
                os.fchown(log, logs.st_uid, logs.st_gid)
                os.chdir(os.path.dirname(os.path.abspath(args.pidfile)))
                os.initgroups(account.pw_name, account.pw_gid)
                os.setgid(account.pw_gid)
                os.setuid(account.pw_uid)
            os.dup2(null, 0)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.closerange(3, report_w)
            os.closerange(report_w + 1, os.sysconf("SC_OPEN_MAX"))
            os.set_inheritable(report_w, False)
            os.execvpe(command[0], command, env)
        except BaseException as error:  # noqa: BLE001 - report any failure to the parent
            os.write(report_w, f"{command[0]}: {error}".encode())
        os._exit(127)
    os.close(report_w)
    failure = os.read(report_r, 4096).decode(errors="replace")
    os.close(report_r)
    if failure:
        os.waitpid(child, 0)
        print(f"cannot start {args.id}: {failure}", file=sys.stderr)
        return 1
    temp = f"{args.pidfile}.{os.getpid()}.tmp"
    with open(temp, "w") as f:
        f.write(f"{child}\n")
    os.replace(temp, args.pidfile)
    print(f"running {child}")
    return 0


def stop(args, quiet=False):
    pid = running(args)
    if pid:
        try:
            os.killpg(pid, signal.SIGTERM)
        except OSError:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + args.timeout
        while alive(pid, args.id) and time.monotonic() < deadline:
            time.sleep(0.05)
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.unlink(args.pidfile)
    except FileNotFoundError:
        pass
    if not quiet:
        print("stopped")
    return 0


def status(args):
    pid = running(args)
    print(f"running {pid}" if pid else "stopped")
    return 0


def main():
    parser = argparse.ArgumentParser(prog="supervise.py")
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--id", required=True)
    parser.add_argument("--pidfile", required=True)
    parser.add_argument("--log")
    parser.add_argument("--user")
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=30.0)
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    args.command = argv[split + 1:]
    return {"start": start, "stop": stop, "status": status}[args.action](args)


if __name__ == "__main__":
    sys.exit(main())
