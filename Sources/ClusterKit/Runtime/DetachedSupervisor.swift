import Foundation

/// clusterctl's own supervisor for nodes without systemd: `templates/supervisor/supervise.py`
/// placed on the node and driven through its runner.
public struct DetachedSupervisor {
    public let runner: CommandRunner
    /// Python that runs the supervisor script (any Python 3 on the node).
    public let python: String
    /// Where the script lives on the node.
    public let scriptPath: String

    public init(runner: CommandRunner, python: String, scriptPath: String) {
        self.runner = runner
        self.python = python
        self.scriptPath = scriptPath
    }

    /// The directory the supervisor script and clusterctl's scheduler route module live in.
    public var runtimeDirectory: String { (scriptPath as NSString).deletingLastPathComponent }

    /// Places the supervisor script and the scheduler route module on the node.
    public func install() throws {
        try runner.upload(Data(try Templates.text("supervisor/supervise.py").utf8), to: scriptPath, mode: 0o700)
        try runner.upload(Data(try Templates.text("runtime/clusterctl_http.py").utf8),
                          to: runtimeDirectory + "/clusterctl_http.py", mode: 0o600)
    }

    /// Starts `argv` as service `id` unless it already runs; returns its pid.
    public func start(id: String, pidFile: String, log: String, environment: [String: String],
                      argv: [String]) throws -> Int32 {
        var command = [python, scriptPath, "start", "--id", id, "--pidfile", pidFile, "--log", log]
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) {
            command += ["--env", "\(key)=\(value)"]
        }
        command.append("--")
        command += argv
        let result = try runner.run(ShellQuote.join(command), timeout: 30)
        guard result.exitCode == 0, let pid = Self.pid(in: result.stdout) else {
            throw ClusterError("\(runner.host): could not start \(id)", details: result.tail())
        }
        return pid
    }

    /// Stops service `id` (TERM, then KILL after `timeout` seconds); succeeds if it is not running.
    public func stop(id: String, pidFile: String, timeout: Double = 30) throws {
        let command = [python, scriptPath, "stop", "--id", id, "--pidfile", pidFile, "--timeout", String(timeout)]
        let result = try runner.run(ShellQuote.join(command), timeout: timeout + 15)
        guard result.exitCode == 0 else {
            throw ClusterError("\(runner.host): could not stop \(id)", details: result.tail())
        }
    }

    /// The pid of service `id` if it runs.
    public func status(id: String, pidFile: String) throws -> Int32? {
        let command = [python, scriptPath, "status", "--id", id, "--pidfile", pidFile]
        let result = try runner.run(ShellQuote.join(command), timeout: 30)
        guard result.exitCode == 0 else {
            throw ClusterError("\(runner.host): could not check \(id)", details: result.tail())
        }
        return Self.pid(in: result.stdout)
    }

    static func pid(in output: String) -> Int32? {
        for line in output.split(separator: "\n") where line.hasPrefix("running ") {
            return Int32(line.dropFirst("running ".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
