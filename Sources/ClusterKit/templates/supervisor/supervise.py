"""clusterctl's detached supervisor, for nodes without systemd (and the local provider).

    supervise.py start  --id CLUSTER/NAME --pidfile F --log F [--user U] [--follow ADDRESS]
                        [--env K=V ...] -- COMMAND...
    supervise.py stop   --id CLUSTER/NAME --pidfile F [--timeout S]
    supervise.py status --id CLUSTER/NAME --pidfile F
    supervise.py redefine --id CLUSTER/NAME --pidfile F -- COMMAND...

`start` starts a watcher for the service, detached from the caller in a session of its own,
and prints the service's pid once it runs. The watcher runs COMMAND in a new session, stdin
from /dev/null and output appended to the log, records its pid in the pid file, and restarts
it when it exits, as systemd's Restart= would:
- a service killed by a signal or exiting with a non-zero status is started again after a
  pause that doubles from 0.5 s to 8 s while starts keep failing within STABLE seconds (it
  resets once a start lasts longer); after BURST such quick failures in a row the watcher
  gives up, like systemd's StartLimitBurst, and records why;
- a service that exits with status 0 stopped on purpose (the scheduler's idle timeout, a
  client's shutdown) and is not started again, unless it follows a scheduler
  (`--follow tcp://HOST:PORT`, for workers): Dask closes a worker with status 0 when its
  scheduler goes away, so such a service is started again once the scheduler answers within
  FOLLOW_WAIT seconds (it was restarted), and left stopped if it does not (it was stopped);
- a service that exits with a LIFETIME_ENDED status stopped because the cluster's lifetime
  limit was reached, and is not started again either.
Each restart, the last exit's reason and a give-up are recorded in F.history (JSON) and noted
in the log. A process already running under that name (left by an interrupted run), and its
watcher, are stopped first. A process counts as the service only if its environment carries
CLUSTERCTL_SERVICE=CLUSTER/NAME, and as its watcher only if it carries
CLUSTERCTL_SUPERVISOR=CLUSTER/NAME, so a reused pid is never mistaken for either.
`stop` asks the watcher to stop the service (SIGTERM to its process group, then SIGKILL to
what is left after the timeout) and to exit; a service without a live watcher is stopped
directly. `redefine` makes the watcher's next restart run COMMAND instead (kept in F.command,
read before every start): the running service is left alone (after a partial scale-down, a
restart starts only the workers that remain). Each action prints one line: `running PID`,
`stopped` or `redefined`.

With `--user U` (the supervisor runs as root), the service opens its log as root, hands the
log file to the owner of the log directory (so the login user still reads it), then drops to
user U (its groups, gid, uid, HOME, USER, LOGNAME) in the runtime directory before it runs.
The watcher stays root. `stop` and `status` then need root too: another user's
/proc/PID/environ is root's to read.
"""
import argparse
import json
import os
import pwd
import signal
import socket
import sys
import time

MARK = "CLUSTERCTL_SERVICE"
WATCHER_MARK = "CLUSTERCTL_SUPERVISOR"
# How `start` hands the watcher its arguments.
ARGS_VARIABLE = "CLUSTERCTL_SUPERVISOR_ARGS"
# A start that lasts less than STABLE seconds failed quickly; BURST quick failures in a row
# and the watcher gives up. The pause before a restart doubles from FIRST_PAUSE to MAX_PAUSE.
STABLE = 5.0
BURST = 5
FIRST_PAUSE = 0.5
MAX_PAUSE = 8.0
# How long a service that follows a scheduler waits for it to answer again.
FOLLOW_WAIT = 60.0
# Statuses a service exits with when the cluster's lifetime ended (clusterctl_lifetime.py):
# stopped on purpose, never restarted, workers following a scheduler included.
LIFETIME_ENDED = {75: "lifetime.no_client", 76: "lifetime.max"}


def alive(pid, ident, mark=MARK):
    """True if pid is a live (not zombie) process carrying `mark` for this service."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                return False
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f"{mark}={ident}".encode() in f.read().split(b"\0")
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


def watcher_file(args):
    return args.pidfile + ".supervisor"


def history_file(args):
    return args.pidfile + ".history"


def command_file(args):
    return args.pidfile + ".command"


def current_command(args):
    """The command the next start runs: the last `redefine`'s, else the one `start` was given."""
    try:
        with open(command_file(args)) as file:
            command = json.load(file)
        if isinstance(command, list) and command and all(isinstance(word, str) for word in command):
            return command
    except (OSError, ValueError):
        pass
    return args.command


def running_watcher(args):
    pid = recorded_pid(watcher_file(args))
    return pid if pid and alive(pid, args.id, WATCHER_MARK) else None


def write_atomically(path, text):
    temp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(temp, "w") as f:
            f.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except OSError:
        remove(temp)
        raise


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def describe(status):
    """`killed by SIGKILL`, `exited with status 1`, ... for a wait status."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"killed by {name}"
    code = os.WEXITSTATUS(status)
    if code in LIFETIME_ENDED:
        return f"stopped: {LIFETIME_ENDED[code]} reached"
    return f"exited with status {code}"


def scheduler_answers(address, deadline, stopping):
    """True once a TCP connection to `address` (`tcp://host:port`, `tls://...`) succeeds
    before `deadline` (monotonic); False if it never does or a stop was asked for."""
    rest = address.split("://", 1)[-1]
    host, _, port = rest.rpartition(":")
    host = host.strip("[]")
    while not stopping() and time.monotonic() < deadline:
        try:
            with socket.create_connection((host, int(port)), timeout=2):
                return True
        except (OSError, ValueError):
            time.sleep(0.2)
    return False


def prepare(args):
    """The service's environment and user account, checked before anything starts."""
    if not args.command:
        sys.exit("supervise.py: no command given")
    env = dict(os.environ)
    env.pop(WATCHER_MARK, None)
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
    return env, account


def spawn(args, env, account):
    """Runs the service in a new session; returns (pid, None), or (None, why it could not start)."""
    os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)
    command = current_command(args)
    report_r, report_w = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.close(report_r)
            os.setsid()
            for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM, signal.SIGPIPE, signal.SIGXFSZ):
                signal.signal(number, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
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
        return None, failure
    write_atomically(args.pidfile, f"{child}\n")
    return child, None


def start(args):
    prepare(args)  # fails here, in front of the caller, on a bad user or command
    # clusterctl starts only what it does not know to be running: a live process under this
    # name was left by an interrupted run (with other ports, or tied to a scheduler that is
    # gone), so it is replaced, never taken over.
    if running(args) or running_watcher(args):
        stop(args, quiet=True)
    remove(history_file(args))
    remove(command_file(args))
    report_r, report_w = os.pipe()
    watcher = os.fork()
    if watcher == 0:
        # Detached: a session of its own, nothing of the caller's open, so the caller (an SSH
        # session) ends when `start` does.
        try:
            os.close(report_r)
            os.setsid()
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            os.closerange(3, report_w)
            os.closerange(report_w + 1, os.sysconf("SC_OPEN_MAX"))
            env = dict(os.environ)
            env[WATCHER_MARK] = args.id
            env.pop(MARK, None)
            # The service's command travels in the environment, so `ps` shows the watcher
            # as what it is rather than as another copy of the service.
            env[ARGS_VARIABLE] = json.dumps(args.raw)
            # Isolated and without site (as clusterctl starts it): the watcher needs the standard
            # library only, and runs as root where services have a user of their own.
            argv = [sys.executable, "-I", "-S", os.path.abspath(__file__), "watch", "--id", args.id,
                    "--report-fd", str(report_w)]
            os.set_inheritable(report_w, True)
            os.execve(sys.executable, argv, env)
        finally:
            os._exit(127)
    os.close(report_w)
    answer = b""
    while True:
        chunk = os.read(report_r, 4096)
        if not chunk:
            break
        answer += chunk
    os.close(report_r)
    answer = answer.decode(errors="replace").strip()
    if not answer.startswith("running "):
        print(f"cannot start {args.id}: {answer or 'the watcher exited without starting it'}", file=sys.stderr)
        return 1
    print(answer)
    return 0


def watch(args):
    """The watcher: starts the service, restarts it when it exits (see the module's doc), and
    stops it on SIGTERM."""
    env, account = prepare(args)
    write_atomically(watcher_file(args), f"{os.getpid()}\n")
    history = {"restarts": 0, "last_exit": None, "last_exit_at": None, "gave_up": None}
    state = {"stopping": False, "child": None}

    def note(text):
        try:
            with open(args.log, "a") as log:
                log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} clusterctl-supervisor: {text}\n")
        except OSError:
            pass

    def kill_group(number):
        child = state["child"]
        if child:
            try:
                os.killpg(child, number)
            except OSError:
                pass

    def on_stop(number, frame):
        state["stopping"] = True
        kill_group(signal.SIGTERM)
        signal.alarm(max(1, int(args.timeout)))

    signal.signal(signal.SIGALRM, lambda number, frame: kill_group(signal.SIGKILL))
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, on_stop)

    report = args.report_fd
    quick = 0
    while True:
        # No stop request is handled half-way through a start.
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
        began = time.monotonic()
        child, failure = spawn(args, env, account)
        state["child"] = child
        if report is not None:
            os.write(report, (f"running {child}" if child else failure).encode())
            os.close(report)
            report = None
            if not child:
                remove(watcher_file(args))
                return 1
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
        if child:
            _, status = os.waitpid(child, 0)
            lasted = time.monotonic() - began
            reason = describe(status)
            clean = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
            ended = os.WIFEXITED(status) and os.WEXITSTATUS(status) in LIFETIME_ENDED
        else:
            reason, clean, lasted, ended = f"could not start: {failure}", False, 0.0, False
        state["child"] = None
        signal.alarm(0)
        remove(args.pidfile)
        if state["stopping"]:
            remove(watcher_file(args))
            return 0
        history["last_exit"] = reason
        history["last_exit_at"] = time.time()
        if ended:
            note(f"{args.id} {reason}: the cluster stopped itself, not restarted")
            write_atomically(history_file(args), json.dumps(history))
            remove(watcher_file(args))
            return 0
        if clean and args.follow:
            # A worker whose scheduler went away: back when the scheduler is.
            if scheduler_answers(args.follow, time.monotonic() + FOLLOW_WAIT, lambda: state["stopping"]):
                reason = f"{reason} (its scheduler went away)"
                history["last_exit"] = reason
                clean = False
            elif state["stopping"]:
                remove(watcher_file(args))
                return 0
            else:
                reason = f"{reason}; its scheduler {args.follow} did not answer within {FOLLOW_WAIT:g} s"
                history["last_exit"] = reason
        if clean:
            note(f"{args.id} {reason}: stopped on purpose, not restarted")
            write_atomically(history_file(args), json.dumps(history))
            remove(watcher_file(args))
            return 0
        quick = quick + 1 if lasted < STABLE else 1
        if quick >= BURST:
            history["gave_up"] = f"{BURST} starts in a row ended within {STABLE:g} s; the last {reason}"
            note(f"{args.id} {reason}; not restarted: {history['gave_up']}")
            write_atomically(history_file(args), json.dumps(history))
            remove(watcher_file(args))
            return 0
        pause = min(MAX_PAUSE, FIRST_PAUSE * 2 ** (quick - 1))
        history["restarts"] += 1
        write_atomically(history_file(args), json.dumps(history))
        note(f"{args.id} {reason}; restart {history['restarts']} in {pause:g} s")
        deadline = time.monotonic() + pause
        while not state["stopping"] and time.monotonic() < deadline:
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        if state["stopping"]:
            remove(watcher_file(args))
            return 0


def stop(args, quiet=False):
    watcher = running_watcher(args)
    if watcher:
        os.kill(watcher, signal.SIGTERM)
        deadline = time.monotonic() + args.timeout + 5
        while alive(watcher, args.id, WATCHER_MARK) and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive(watcher, args.id, WATCHER_MARK):
            os.kill(watcher, signal.SIGKILL)
    # Without a watcher (or one that did not finish): the service itself.
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
    remove(args.pidfile)
    remove(watcher_file(args))
    remove(command_file(args))
    if not quiet:
        print("stopped")
    return 0


def redefine(args):
    if not args.command:
        sys.exit("supervise.py: redefine needs a command after --")
    write_atomically(command_file(args), json.dumps(args.command))
    print("redefined")
    return 0


def status(args):
    pid = running(args)
    print(f"running {pid}" if pid else "stopped")
    return 0


def main():
    parser = argparse.ArgumentParser(prog="supervise.py")
    parser.add_argument("action", choices=["start", "watch", "stop", "status", "redefine"])
    parser.add_argument("--id", required=True)
    parser.add_argument("--pidfile", required=True)
    parser.add_argument("--log")
    parser.add_argument("--user")
    parser.add_argument("--follow")
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--report-fd", type=int)
    argv = sys.argv[1:]
    if argv[:1] == ["watch"] and ARGS_VARIABLE in os.environ:
        argv = argv[:1] + ["--report-fd", argv[argv.index("--report-fd") + 1]] + json.loads(os.environ.pop(ARGS_VARIABLE))
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    args.command = argv[split + 1:]
    # What the watcher is started with: everything but the action.
    args.raw = [word for word in argv[1:]]
    try:
        return {"start": start, "watch": watch, "stop": stop, "status": status, "redefine": redefine}[args.action](args)
    except OSError as error:
        # A full disk, a missing directory: one line saying so, not a traceback.
        print(f"supervise.py {args.action} {args.id}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
