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

    public init(runner: CommandRunner, cluster: String, runtimeDirectory: String, sudo: Bool, user: String?) {
        self.runner = runner
        self.cluster = cluster
        self.runtimeDirectory = runtimeDirectory
        self.sudo = sudo ? "sudo -n " : ""
        self.user = user
    }

    /// The unit of `role` on a node.
    public func unitName(_ role: ServiceRole) -> String { "clusterctl-\(cluster)-\(role.rawValue).service" }

    /// The unit file for `role` running `argv` with `environment`.
    public static func renderUnit(cluster: String, role: ServiceRole, argv: [String], environment: [String: String],
                                  workingDirectory: String, user: String?) throws -> String {
        var values: [String: Any] = [
            "cluster": cluster,
            "exec_start": argv,
            "environment": environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
            "working_directory": workingDirectory,
        ]
        if let user { values["user"] = user }
        return try Templates.render("systemd/clusterctl-\(role.rawValue).service.mustache", values)
    }

    public func installCommand() throws -> String {
        try RuntimeFiles.command(in: runtimeDirectory, directoryMode: "0755")
    }

    public func start(_ service: String, role: ServiceRole, argv: [String], environment: [String: String]) throws -> Int32? {
        let unit = unitName(role)
        let text = try Self.renderUnit(cluster: cluster, role: role, argv: argv, environment: environment,
                                       workingDirectory: runtimeDirectory, user: user)
        let staged = "\(runtimeDirectory)/\(unit)"
        try runner.upload(Data(text.utf8), to: staged, mode: 0o644)
        let target = "/etc/systemd/system/\(unit)"
        let command = "\(sudo)install -m 0644 \(ShellQuote.quote(staged)) \(ShellQuote.quote(target)) && "
            + "\(sudo)systemctl daemon-reload && \(sudo)systemctl enable --quiet \(unit) && "
            + "\(sudo)systemctl restart \(unit) && systemctl show -p MainPID --value \(unit)"
        let result = try runner.run(command, timeout: 120)
        guard result.exitCode == 0 else {
            throw ClusterError("\(runner.host): could not start \(unit)", details: result.tail())
        }
        return Int32(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
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

    public func running(_ services: [(name: String, role: ServiceRole)]) throws -> Set<String> {
        guard !services.isEmpty else { return [] }
        // Without systemd running, "not active" would be a guess: say so instead.
        let script = "[ -d /run/systemd/system ] || { echo 'systemd is not running on this host' >&2; exit 3; }\n"
            + services.map {
                "systemctl is-active --quiet \(unitName($0.role)) && echo \(ShellQuote.quote("running " + $0.name))"
            }.joined(separator: "\n") + "\ntrue"
        let result = try runner.run(script, timeout: 30)
        guard result.exitCode == 0 else {
            throw ClusterError("\(runner.host): cannot check the units", details: result.tail())
        }
        return Set(result.stdout.split(separator: "\n").filter { $0.hasPrefix("running ") }
            .map { String($0.dropFirst("running ".count)) })
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
