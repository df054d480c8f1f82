/// Keeps long-running services on one node: starts them detached from the command that
/// asked, stops them, says which run, and names the command that shows their logs.
///
/// `DetachedKeeper` is clusterctl's own supervisor (the local provider, and nodes without
/// systemd); `SystemdKeeper` installs systemd units. Both act only through a `CommandRunner`.
public protocol ServiceKeeper {
    /// How it keeps services, as `status` shows it.
    var kind: SupervisorKind { get }
    /// A shell command that places what the keeper needs on the node (directories, scripts);
    /// run once per node, in the same round trip as the environment bootstrap.
    func installCommand() throws -> String
    /// The runner the keeper acts through.
    var runner: CommandRunner { get }
    /// A shell command that starts `service` (replacing a copy an interrupted run left) once
    /// `installCommand` has run, and then prints `clusterctl-started <service> <pid>` (the pid
    /// empty when unknown); on failure it says `clusterctl: could not start ...` on stderr and
    /// fails. `start` runs it alone; an SSH node's first start runs it after its bootstrap, in
    /// the same round trip.
    func startCommand(_ service: String, role: ServiceRole, argv: [String], environment: [String: String]) throws -> String
    /// Makes the keeper's next start of `service` (a restart after it exits) run `argv`
    /// instead; the running service is left alone.
    func redefine(_ service: String, role: ServiceRole, argv: [String], environment: [String: String]) throws
    /// Stops `service` and waits until it has exited; succeeds if it was not running.
    func stop(_ service: String, role: ServiceRole) throws
    /// Which of `services` run, and what their keeper recorded of their restarts, in one round trip.
    func check(_ services: [(name: String, role: ServiceRole)]) throws -> ServiceCheck
    /// A shell command printing the last `tail` lines of `service`'s log, following it if asked.
    func logCommand(_ service: String, role: ServiceRole, tail: Int, follow: Bool) -> String
    /// Removes what `install` and `start` left behind (after `stop`).
    func purge() throws
}

extension ServiceKeeper {
    /// Starts `service` unless it already runs; returns its main pid if known.
    public func start(_ service: String, role: ServiceRole, argv: [String], environment: [String: String]) throws -> Int32? {
        let result = try runner.run(try startCommand(service, role: role, argv: argv, environment: environment), timeout: 120)
        guard result.exitCode == 0, let started = StartedService.find(service, in: result.stdout) else {
            throw ClusterError("\(runner.host): could not start \(service)", details: result.tail())
        }
        return started.pid
    }

    /// Which of `services` run, in one round trip.
    public func running(_ services: [(name: String, role: ServiceRole)]) throws -> Set<String> {
        try check(services).running
    }
}

/// What one check of a node's services found.
public struct ServiceCheck: Sendable, Equatable {
    /// The services that run.
    public var running: Set<String>
    /// What the keeper recorded of each service's restarts (absent: nothing recorded).
    public var histories: [String: ServiceHistory]
    /// The process id of each running service as the keeper knows it now (after a restart,
    /// no longer the one `start` returned).
    public var pids: [String: Int32]
    /// Services not running now that their keeper is about to start again.
    public var restarting: Set<String>

    public init(running: Set<String> = [], histories: [String: ServiceHistory] = [:], pids: [String: Int32] = [:],
                restarting: Set<String> = []) {
        self.running = running
        self.histories = histories
        self.pids = pids
        self.restarting = restarting
    }
}

/// How often a keeper restarted a service on its own, why it last exited, and whether it gave
/// up (the detached supervisor after repeated quick failures; systemd's own start limit).
public struct ServiceHistory: Codable, Sendable, Equatable {
    public var restarts: Int
    /// `killed by SIGKILL`, `exited with status 1`, ... (nil: it has not exited).
    public var lastExit: String?
    /// Why the keeper stopped restarting it (nil: it has not given up).
    public var gaveUp: String?

    public init(restarts: Int, lastExit: String? = nil, gaveUp: String? = nil) {
        self.restarts = restarts
        self.lastExit = lastExit
        self.gaveUp = gaveUp
    }

    /// The exit statuses of a service stopped because the cluster's lifetime ended
    /// (`runtime/clusterctl_lifetime.py`), with the limit each stands for.
    public static let lifetimeEnded: [Int32: String] = [75: "lifetime.no_client", 76: "lifetime.max"]

    /// How a service that exited with `status` ended, as the detached supervisor says it too.
    static func exitDescription(status: Int32) -> String {
        lifetimeEnded[status].map { "stopped: \($0) reached" } ?? "exited with status \(status)"
    }

    /// `SIGKILL` for 9, as Python's `signal.Signals` names them.
    static func signalName(_ number: Int32) -> String {
        let names: [Int32: String] = [1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
                                      9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM"]
        return names[number] ?? "signal \(number)"
    }
}

/// What a keeper's `startCommand` prints once its service runs.
struct StartedService {
    /// The service's main pid (nil: not known yet).
    var pid: Int32?

    static let prefix = "clusterctl-started "

    /// The shell command that runs `start` (which prints a line ending in the service's pid)
    /// and reports `service` started, or says it could not start `what`.
    static func report(_ service: String, what: String, start: String) -> String {
        let q = ShellQuote.quote
        // One compound command, so that in `bootstrap && ... && <this>` a failure before it is
        // not taken for a failed start.
        return "{ if started=$(\(start)); then echo \(q(prefix.trimmingCharacters(in: .whitespaces))) \(q(service)) \"${started##* }\"; "
            + "else echo \(q("clusterctl: could not start " + what)) >&2; false; fi; }"
    }

    /// What `report` printed for `service`; nil if it printed nothing for it.
    static func find(_ service: String, in output: String) -> StartedService? {
        for line in output.split(separator: "\n") where line.hasPrefix(prefix) {
            let words = line.dropFirst(prefix.count).split(separator: " ")
            guard words.first.map(String.init) == service else { continue }
            return StartedService(pid: words.dropFirst().first.flatMap { Int32($0) }.flatMap { $0 > 0 ? $0 : nil })
        }
        return nil
    }
}
