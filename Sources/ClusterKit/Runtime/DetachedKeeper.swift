import Foundation

/// clusterctl's own supervisor: `templates/supervisor/supervise.py` placed in the node's
/// runtime directory and driven through its runner. Services run in their own session with
/// output appended to `<logs>/<service>.log`; each carries `CLUSTERCTL_SERVICE=<cluster>/<service>`
/// so a reused pid is never mistaken for it. A watcher process per service restarts it when it
/// exits unexpectedly (a worker also when its scheduler went away and came back), with a
/// growing pause, and gives up after repeated quick failures, recording restarts and the last
/// exit's reason beside the pid file.
///
/// With a `serviceUser`, the supervisor runs as root (through `sudo` when the login user is not
/// root) and each service drops to that user once its log is open; stopping and checking
/// services (which reads `/proc/PID/environ` of that user's processes) runs as root too. The
/// logs stay the login user's, so `clusterctl logs` reads them as before.
public struct DetachedKeeper: ServiceKeeper {
    public let kind = SupervisorKind.detached
    public let runner: CommandRunner
    public let cluster: String
    /// Any Python 3 on the node, to run the supervisor script.
    public let python: String
    /// The shell words that start the supervisor's interpreter.
    private let interpreter: String
    /// Holds the supervisor script, clusterctl's scheduler route module and the pid files.
    public let runtimeDirectory: String
    public let logDirectory: String
    /// The user the services run as (nil: whoever runs the supervisor, the login user).
    public let serviceUser: String?
    /// `sudo -n ` when the login user is not root but the services run as `serviceUser`, else empty.
    public let sudo: String

    /// `environmentPython`, where given, runs the supervisor whenever it exists (the node's
    /// environment's interpreter: a real binary, where `python` may be a version manager's shim
    /// that costs 0.1 s or more per start), else `python`. Either runs isolated (`-I -S`: no
    /// site-packages, no `.pth` files, no PYTHON* variables), as the supervisor may run as root.
    public init(runner: CommandRunner, cluster: String, python: String, runtimeDirectory: String, logDirectory: String,
                serviceUser: String? = nil, sudo: Bool = false, environmentPython: String? = nil) {
        self.runner = runner
        self.cluster = cluster
        self.python = python
        interpreter = (environmentPython.map { ShellQuote.preferring($0, over: python) } ?? ShellQuote.quote(python)) + " -I -S"
        self.runtimeDirectory = runtimeDirectory
        self.logDirectory = logDirectory
        self.serviceUser = serviceUser
        self.sudo = serviceUser != nil && sudo ? "sudo -n " : ""
    }

    private var script: String { runtimeDirectory + "/supervise.py" }
    private func id(_ service: String) -> String { "\(cluster)/\(service)" }
    private func pidFile(_ service: String) -> String { "\(runtimeDirectory)/\(service).pid" }
    /// The log file of `service`.
    public func logFile(_ service: String) -> String { "\(logDirectory)/\(service).log" }

    public func installCommand() throws -> String {
        guard serviceUser != nil else { return try RuntimeFiles.command(in: runtimeDirectory, alsoCreating: [logDirectory]) }
        // The services read clusterctl's route module in the runtime directory; the logs are
        // written by the supervisor (root) before a service drops to its user.
        return try RuntimeFiles.command(in: runtimeDirectory, directoryMode: "0755") + " && "
            + ShellQuote.join(["mkdir", "-p", "-m", "0700", logDirectory]) + " && "
            + ShellQuote.join(["chmod", "0755", runtimeDirectory])
    }

    public func startCommand(_ service: String, role: ServiceRole, argv: [String], environment: [String: String]) throws -> String {
        var command = [script, "start", "--id", id(service), "--pidfile", pidFile(service), "--log", logFile(service)]
        if let serviceUser { command += ["--user", serviceUser] }
        // Dask closes a worker with status 0 when its scheduler goes away: the supervisor
        // starts it again once the scheduler (the address `dask worker` connects to) is back.
        if role == .worker, let scheduler = argv.first(where: { $0.hasPrefix("tcp://") || $0.hasPrefix("tls://") }) {
            command += ["--follow", scheduler]
        }
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) {
            command += ["--env", "\(key)=\(value)"]
        }
        command.append("--")
        command += argv
        // The supervisor prints `running PID` once the service runs.
        return StartedService.report(service, what: service, start: sudo + interpreter + " " + ShellQuote.join(command))
    }

    /// The watcher reads the new command before its next restart (`supervise.py redefine`);
    /// the environment stays the one `start` gave.
    public func redefine(_ service: String, role: ServiceRole, argv: [String], environment: [String: String]) throws {
        let command = [script, "redefine", "--id", id(service), "--pidfile", pidFile(service), "--"] + argv
        let result = try runner.run(sudo + interpreter + " " + ShellQuote.join(command), timeout: 60)
        guard result.exitCode == 0 else {
            throw ClusterError("\(runner.host): could not change how \(service) restarts", details: result.tail())
        }
    }

    public func stop(_ service: String, role: ServiceRole) throws {
        let command = [script, "stop", "--id", id(service), "--pidfile", pidFile(service), "--timeout", "30"]
        let result = try runner.run(sudo + interpreter + " " + ShellQuote.join(command), timeout: 60)
        guard result.exitCode == 0 else {
            throw ClusterError("\(runner.host): could not stop \(service)", details: result.tail())
        }
    }

    public func check(_ services: [(name: String, role: ServiceRole)]) throws -> ServiceCheck {
        guard !services.isEmpty else { return ServiceCheck() }
        // One shell round trip: read each pid file, check the process is alive, not a zombie,
        // and carries this service's mark (else whether its watcher is, about to restart it);
        // print the watcher's record of restarts.
        var script = "alive() { pid=$(cat \"$1\" 2>/dev/null) && [ -n \"$pid\" ] "
            + "&& [ \"$(cut -d')' -f2 /proc/$pid/stat 2>/dev/null | cut -d' ' -f2)\" != Z ] "
            + "&& tr '\\0' '\\n' < /proc/$pid/environ 2>/dev/null | grep -qxF \"$2\"; }\n"
        for service in services {
            let pids = pidFile(service.name), history = pidFile(service.name) + ".history"
            script += "if alive \(ShellQuote.quote(pids)) \(ShellQuote.quote("\(ServiceProcess.mark)=\(id(service.name))")); then "
                + "echo \(ShellQuote.quote("running " + service.name)) \"$pid\"; "
                + "elif alive \(ShellQuote.quote(pids + ".supervisor")) "
                + "\(ShellQuote.quote("\(ServiceProcess.watcherMark)=\(id(service.name))")); then "
                + "echo \(ShellQuote.quote("restarting " + service.name)); fi\n"
                + "[ -f \(ShellQuote.quote(history)) ] && printf '%s %s\\n' "
                + ShellQuote.quote("history " + service.name) + " \"$(cat \(ShellQuote.quote(history)))\"\n"
        }
        // Another user's environ is readable by root only.
        let result = try runner.run(sudo.isEmpty ? script + "true" : sudo + ShellQuote.join(["sh", "-c", script + "true"]),
                                    timeout: 30)
        guard result.exitCode == 0 else {
            throw ClusterError("\(runner.host): cannot check the services", details: result.tail())
        }
        var check = ServiceCheck()
        for line in result.stdout.split(separator: "\n") {
            if line.hasPrefix("running ") {
                let words = line.dropFirst("running ".count).split(separator: " ")
                guard let name = words.first else { continue }
                check.running.insert(String(name))
                check.pids[String(name)] = words.dropFirst().first.flatMap { Int32($0) }
            } else if line.hasPrefix("restarting ") {
                check.restarting.insert(String(line.dropFirst("restarting ".count)))
            } else if line.hasPrefix("history ") {
                let words = line.dropFirst("history ".count).split(separator: " ", maxSplits: 1)
                guard words.count == 2, let history = Self.history(fromJSON: String(words[1])) else { continue }
                check.histories[String(words[0])] = history
            }
        }
        return check
    }

    /// The watcher's record (`{"restarts": 2, "last_exit": "...", "gave_up": null, ...}`).
    static func history(fromJSON text: String) -> ServiceHistory? {
        struct Record: Decodable {
            var restarts: Int
            var last_exit: String?
            var gave_up: String?
        }
        guard let record = try? JSONDecoder().decode(Record.self, from: Data(text.utf8)) else { return nil }
        return ServiceHistory(restarts: record.restarts, lastExit: record.last_exit, gaveUp: record.gave_up)
    }

    public func logCommand(_ service: String, role: ServiceRole, tail: Int, follow: Bool) -> String {
        var argv = ["tail", "-n", String(tail)]
        if follow {
            argv.append("-F")
            // On this machine, stop following when clusterctl ends, however it ends.
            if runner is LocalRunner { argv.append("--pid=\(ProcessInfo.processInfo.processIdentifier)") }
        }
        return ShellQuote.join(argv + [logFile(service)])
    }

    public func purge() throws {}
}

/// clusterctl's files in a node's runtime directory: the supervisor script, the scheduler's
/// routes and its lifetime limits, each written atomically (by rename) by one shell command. They travel
/// gzip-compressed and base64-encoded inside that command, which must fit in one SSH request.
enum RuntimeFiles {
    /// Without `supervisor` (systemd keeps the services), the supervisor script is left out.
    static func command(in directory: String, alsoCreating extra: [String] = [], directoryMode: String = "0700",
                        supervisor: Bool = true) throws -> String {
        let files = (supervisor ? [("supervise.py", "supervisor/supervise.py", "0700")] : [])
            + [("clusterctl_http.py", "runtime/clusterctl_http.py", "0644"),
               ("clusterctl_lifetime.py", "runtime/clusterctl_lifetime.py", "0644")]
        var command = "echo 'clusterctl-step: runtime files' && " + ShellQuote.join(["mkdir", "-p", "-m", directoryMode, directory] + extra)
        for (name, template, mode) in files {
            let target = directory + "/" + name
            let temp = directory + "/." + name + ".tmp"
            let encoded = try Gzip.compress(Data(try Templates.text(template).utf8)).base64EncodedString()
            command += " && printf '%s' \(encoded) | base64 -d | gzip -dc > \(ShellQuote.quote(temp))"
                + " && chmod \(mode) \(ShellQuote.quote(temp)) && mv -f \(ShellQuote.quote(temp)) \(ShellQuote.quote(target))"
        }
        return command
    }
}
