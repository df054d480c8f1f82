import Foundation

/// Services as systemd units (`clusterctl-<cluster>-scheduler.service`,
/// `clusterctl-<cluster>-worker.service`) rendered from `templates/systemd/`, installed in
/// `/etc/systemd/system`, enabled and started; logs go to journald. Used on nodes where
/// systemd runs and the login user is root or has passwordless sudo.
public struct SystemdKeeper: ServiceKeeper {
    public let kind = SupervisorKind.systemd
    public let runner: CommandRunner
    public let cluster: String
    /// Holds clusterctl's scheduler route module; the units' working directory.
    public let runtimeDirectory: String
    /// `sudo -n ` when the login user is not root, else empty.
    public let sudo: String
    /// The user the services run as (nil: root).
    public let user: String?
    /// Where the node keeps clusterctl's files (environment, runtime, TLS and work
    /// directories): with `user`, the units are sandboxed to read it and write only its
    /// `work` directory (nil: no sandbox).
    public let installDirectory: String?
    /// Whether the units power the node off once the cluster's lifetime ended (instances
    /// clusterctl launched, which then terminate).
    public let powerOffWhenEnded: Bool

    public init(runner: CommandRunner, cluster: String, runtimeDirectory: String, sudo: Bool, user: String?,
                installDirectory: String? = nil, powerOffWhenEnded: Bool = false) {
        self.powerOffWhenEnded = powerOffWhenEnded
        self.runner = runner
        self.cluster = cluster
        self.runtimeDirectory = runtimeDirectory
        self.sudo = sudo ? "sudo -n " : ""
        self.user = user
        self.installDirectory = installDirectory
    }

    /// The unit of `role` on a node.
    public func unitName(_ role: ServiceRole) -> String { "clusterctl-\(cluster)-\(role.rawValue).service" }

    /// The unit file for `role` running `argv` with `environment`, as `user` (nil: root), in
    /// `sandbox` (`Key=Value` lines, from `sandbox(role:installDirectory:)`).
    /// With `powerOff`, the unit powers the node off when the service stopped because the
    /// cluster's lifetime ended.
    public static func renderUnit(cluster: String, role: ServiceRole, argv: [String], environment: [String: String],
                                  workingDirectory: String, user: String?, sandbox: [String] = [],
                                  powerOff: Bool = false) throws -> String {
        var values: [String: Any] = [
            "cluster": cluster,
            "exec_start": argv,
            "environment": environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
            "working_directory": workingDirectory,
            "sandbox": sandbox,
            "sandboxed": !sandbox.isEmpty,
            "power_off": powerOff,
        ]
        if let user { values["user"] = user }
        return try Templates.render("systemd/clusterctl-\(role.rawValue).service.mustache", values)
    }

    /// The sandbox of a Dask unit whose files are under `installDirectory`, as unit-file lines.
    ///
    /// The whole file system is read-only (`ProtectSystem=strict`) but for a private `/tmp`;
    /// home directories are out of sight; workers may write their work directory
    /// (`<install>/work`, their `--local-directory`), the scheduler nothing else. When the
    /// install directory is itself under `/home`, `/root` or `/run/user`, those become empty
    /// read-only file systems with the install directory bound into them (read-only, the work
    /// directory writable): the services still reach it, whatever the modes of its parents.
    /// No capabilities, no privilege gain, no new namespaces, no kernel, clock, hostname or
    /// cgroup changes, the system calls a service needs (privileged ones fail with EPERM), and
    /// IP and Unix sockets only. Left out because Dask or the code it runs needs them:
    /// `MemoryDenyWriteExecute` (JIT compilers such as numba's, ctypes/cffi callbacks),
    /// `ProcSubset=pid` (psutil reads /proc/meminfo and /proc/stat), `SystemCallFilter=~@resources`
    /// (workers call mbind; numeric libraries set CPU affinity and memory policy), `PrivateNetwork`
    /// and `IPAddressDeny` (workers talk to any peer). See docs/security.md, "Least privilege on the nodes".
    ///
    /// `optionalPaths` marks the paths `-` (ignored while missing), for checks that run before
    /// the directories exist.
    public static func sandbox(role: ServiceRole, installDirectory: String, optionalPaths: Bool = false) -> [String] {
        let work = installDirectory + "/work"
        let path = { (optionalPaths ? "-" : "") + SystemdQuote.quote($0) }
        var lines = ["NoNewPrivileges=yes", "ProtectSystem=strict"]
        if isUnderHomes(installDirectory) {
            // ProtectHome=tmpfs alone leaves those file systems writable (systemd 252):
            // read-only ones of our own take their place.
            lines += ["ProtectHome=tmpfs", "TemporaryFileSystem=/home:ro /root:ro",
                      "BindReadOnlyPaths=" + path(installDirectory)]
            if role == .worker { lines.append("BindPaths=" + path(work)) }
        } else {
            lines.append("ProtectHome=yes")
            if role == .worker { lines.append("ReadWritePaths=" + path(work)) }
        }
        return lines + [
            "PrivateTmp=yes", "PrivateDevices=yes", "PrivateUsers=yes",
            "ProtectKernelTunables=yes", "ProtectKernelModules=yes", "ProtectKernelLogs=yes",
            "ProtectControlGroups=yes", "ProtectClock=yes", "ProtectHostname=yes", "ProtectProc=invisible",
            "RestrictSUIDSGID=yes", "RestrictRealtime=yes", "RestrictNamespaces=yes", "LockPersonality=yes",
            "CapabilityBoundingSet=", "AmbientCapabilities=",
            "SystemCallArchitectures=native", "SystemCallFilter=@system-service", "SystemCallFilter=~@privileged",
            "SystemCallErrorNumber=EPERM",
            "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
            "UMask=0077",
        ]
    }

    /// Whether `path` lies under a directory `ProtectHome=` hides.
    static func isUnderHomes(_ path: String) -> Bool {
        ["/home", "/root", "/run/user"].contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    /// The worker unit's user, group and sandbox as `systemd-run` properties: what the bootstrap
    /// checks the environment with (nil without a user).
    public var checkProperties: [String]? {
        guard let user, let installDirectory else { return nil }
        return ["User=" + user, "Group=" + user] + Self.sandbox(role: .worker, installDirectory: installDirectory, optionalPaths: true)
    }

    private func sandbox(_ role: ServiceRole) -> [String] {
        guard user != nil, let installDirectory else { return [] }
        return Self.sandbox(role: role, installDirectory: installDirectory)
    }

    public func installCommand() throws -> String {
        try RuntimeFiles.command(in: runtimeDirectory, directoryMode: "0755", supervisor: false)
    }

    public func startCommand(_ service: String, role: ServiceRole, argv: [String], environment: [String: String]) throws -> String {
        let unit = unitName(role)
        let start = try installUnit(role, argv: argv, environment: environment)
            + " && \(sudo)systemctl enable --quiet \(unit) && \(sudo)systemctl restart \(unit)"
            + " && systemctl show -p MainPID --value \(unit)"
        return StartedService.report(service, what: unit, start: start)
    }

    /// Rewrites the unit and reloads systemd without restarting the unit: its next restart
    /// runs `argv`.
    public func redefine(_ service: String, role: ServiceRole, argv: [String], environment: [String: String]) throws {
        let result = try runner.run(try installUnit(role, argv: argv, environment: environment), timeout: 120)
        guard result.exitCode == 0 else {
            throw ClusterError("\(runner.host): could not rewrite \(unitName(role))", details: result.tail())
        }
    }

    /// The command that writes the unit for `role` running `argv` (carried inside it,
    /// compressed, as the runtime files are), puts it in place and reloads systemd.
    private func installUnit(_ role: ServiceRole, argv: [String], environment: [String: String]) throws -> String {
        let unit = unitName(role)
        let text = try Self.renderUnit(cluster: cluster, role: role, argv: argv, environment: environment,
                                       workingDirectory: runtimeDirectory, user: user, sandbox: sandbox(role),
                                       powerOff: powerOffWhenEnded)
        let staged = ShellQuote.quote("\(runtimeDirectory)/\(unit)")
        let target = ShellQuote.quote("/etc/systemd/system/\(unit)")
        return "printf '%s' \(try Gzip.compress(Data(text.utf8)).base64EncodedString()) | base64 -d | gzip -dc > \(staged)"
            + " && \(sudo)install -m 0644 \(staged) \(target) && \(sudo)systemctl daemon-reload"
    }

    public func stop(_ service: String, role: ServiceRole) throws {
        let unit = unitName(role)
        // Without systemd running, a missing unit would look like a stopped one: say so instead.
        let command = "[ -d /run/systemd/system ] || { echo 'systemd is not running on this host' >&2; exit 3; }; "
            + "if [ -e /etc/systemd/system/\(unit) ]; then \(sudo)systemctl disable --now --quiet \(unit); fi"
        let result = try runner.run(command, timeout: 120)
        guard result.exitCode == 0 else {
            throw ClusterError("\(runner.host): could not stop \(unit)", details: result.tail())
        }
    }

    public func check(_ services: [(name: String, role: ServiceRole)]) throws -> ServiceCheck {
        guard !services.isEmpty else { return ServiceCheck() }
        // Without systemd running, "not active" would be a guess: say so instead.
        let script = "[ -d /run/systemd/system ] || { echo 'systemd is not running on this host' >&2; exit 3; }\n"
            + services.map {
                "systemctl is-active --quiet \(unitName($0.role)) && echo \(ShellQuote.quote("running " + $0.name))\n"
                    + "echo \(ShellQuote.quote("history " + $0.name)) $(systemctl show -p NRestarts -p Result -p ExecMainCode "
                    + "-p ExecMainStatus -p MainPID -p SubState \(unitName($0.role)) 2>/dev/null | tr '\\n' ' ')"
            }.joined(separator: "\n") + "\ntrue"
        let result = try runner.run(script, timeout: 30)
        guard result.exitCode == 0 else {
            throw ClusterError("\(runner.host): cannot check the units", details: result.tail())
        }
        var check = ServiceCheck()
        for line in result.stdout.split(separator: "\n") {
            if line.hasPrefix("running ") {
                check.running.insert(String(line.dropFirst("running ".count)))
            } else if line.hasPrefix("history ") {
                let words = line.dropFirst("history ".count).split(separator: " ")
                guard let name = words.first, let history = Self.history(fromProperties: words.dropFirst().map(String.init)) else {
                    continue
                }
                check.histories[String(name)] = history
                let mainPID = words.first { $0.hasPrefix("MainPID=") }.flatMap { Int32($0.dropFirst("MainPID=".count)) }
                if let mainPID, mainPID > 0 { check.pids[String(name)] = mainPID }
                if words.contains("SubState=auto-restart") { check.restarting.insert(String(name)) }
            }
        }
        return check
    }

    /// A unit's restarts and last exit from `systemctl show` lines (`NRestarts=2`,
    /// `ExecMainCode=2`, `ExecMainStatus=9`, `Result=signal`); the last exit is known while the
    /// unit is down.
    static func history(fromProperties properties: [String]) -> ServiceHistory? {
        var values: [String: String] = [:]
        for property in properties {
            let pair = property.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { values[pair[0]] = pair[1] }
        }
        guard let restarts = values["NRestarts"].flatMap(Int.init) else { return nil }
        var lastExit: String?
        let status = values["ExecMainStatus"].flatMap(Int32.init) ?? 0
        switch values["ExecMainCode"] {
        case "1": lastExit = ServiceHistory.exitDescription(status: status)
        case "2", "3": lastExit = "killed by \(ServiceHistory.signalName(status))"
        default: lastExit = nil // it runs (systemd forgets the last exit once it restarts a unit)
        }
        let gaveUp = values["Result"] == "start-limit-hit" ? "systemd's start limit was hit" : nil
        return ServiceHistory(restarts: restarts, lastExit: lastExit, gaveUp: gaveUp)
    }

    public func logCommand(_ service: String, role: ServiceRole, tail: Int, follow: Bool) -> String {
        "\(sudo)journalctl -u \(unitName(role)) -n \(tail) --no-pager -o short-iso" + (follow ? " -f" : "")
    }

    public func purge() throws {
        let units = [ServiceRole.scheduler, .worker].map { "/etc/systemd/system/\(unitName($0))" }
        let result = try runner.run("\(sudo)rm -f \(units.map(ShellQuote.quote).joined(separator: " ")) && \(sudo)systemctl daemon-reload",
                                    timeout: 60)
        guard result.exitCode == 0 else {
            throw ClusterError("\(runner.host): could not remove the units", details: result.tail())
        }
    }
}
