import Foundation

/// The chaos suite's settings and its report. `make test` runs a short form (one trial per
/// scenario); `make chaos` sets `CLUSTERCTL_CHAOS_TRIALS` and `CLUSTERCTL_CHAOS_REPORT`, and
/// every finished scenario rewrites that report (`docs/reliability.md`).
enum Chaos {
    /// Trials per scenario.
    static var trials: Int { max(1, Int(ProcessInfo.processInfo.environment["CLUSTERCTL_CHAOS_TRIALS"] ?? "") ?? 1) }

    /// One scenario's figures.
    struct Row: Sendable {
        var scenario: String
        var trials = 0
        var converged = 0
        /// Trials that ended with more than one process for a service.
        var duplicates = 0
        /// Trials after which a persisted collection could not be read back.
        var dataLost = 0
        /// Longest time from the fault until the cluster was whole again, in seconds.
        var worst = 0.0
        var note = ""

        init(_ scenario: String, note: String = "") {
            self.scenario = scenario
            self.note = note
        }

        /// Counts one trial.
        mutating func trial(converged: Bool, duplicates: Bool, dataLost: Bool = false, seconds: Double) {
            trials += 1
            if converged { self.converged += 1 }
            if duplicates { self.duplicates += 1 }
            if dataLost { self.dataLost += 1 }
            worst = max(worst, seconds)
        }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var rows: [String: Row] = [:]

    /// Keeps `row` and, when asked to, rewrites the report with every row so far.
    static func record(_ row: Row) throws {
        let all: [Row] = lock.withLock {
            rows[row.scenario] = row
            return rows.values.sorted { $0.scenario < $1.scenario }
        }
        guard let path = ProcessInfo.processInfo.environment["CLUSTERCTL_CHAOS_REPORT"] else { return }
        let earlier = (try? String(contentsOfFile: path, encoding: .utf8)).map { keptLines(from: $0, besides: all) } ?? []
        try report(all, keeping: earlier).write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The table lines of an earlier report for scenarios this run did not measure (a run of
    /// some scenarios only, `--filter`), kept as they were.
    static func keptLines(from report: String, besides rows: [Row]) -> [(scenario: String, line: String)] {
        let measured = Set(rows.map(\.scenario))
        return report.split(separator: "\n").compactMap { line -> (String, String)? in
            guard line.hasPrefix("| "), !line.hasPrefix("| scenario |") else { return nil }
            let scenario = line.dropFirst(2).components(separatedBy: " | ").first ?? ""
            return measured.contains(scenario) ? nil : (scenario, String(line))
        }
    }

    static func report(_ rows: [Row], keeping earlier: [(scenario: String, line: String)] = []) -> String {
        var text = """
        # Reliability

        What `clusterctl` does under the faults operators meet, measured by the chaos suite
        (`Tests/IntegrationTests/Chaos*.swift`) on real Dask processes, real `sshd` servers
        on loopback addresses and the built binary. `make chaos` runs every scenario \(trials) times
        (the graceful scale-down half as often: it persists 10,000 keys each time) and writes this
        page; `make test` runs each scenario once.

        - **converged**: after the fault (and, where the scenario says so, one more `clusterctl up`)
          the scheduler reports every worker the cluster file asks for.
        - **duplicates**: trials that ended with a service running twice (two scheduler or worker
          service processes for one service).
        - **data lost**: trials after which a collection persisted before the fault could not be
          computed again.
        - **worst**: the longest time from the fault until the cluster was whole again.

        | scenario | trials | converged | duplicates | data lost | worst (s) | notes |
        |---|---|---|---|---|---|---|

        """
        var lines = rows.map { row in
            (row.scenario, "| \(row.scenario) | \(row.trials) | \(row.converged) | \(row.duplicates) | \(row.dataLost) | "
                + String(format: "%.1f", row.worst) + " | \(row.note) |")
        }
        lines += earlier.map { ($0.scenario, $0.line) }
        for (_, line) in lines.sorted(by: { $0.0 < $1.0 }) { text += line + "\n" }
        let date = ISO8601DateFormatter().string(from: Date())
        text += """

        Measured \(date) on \(ProcessInfo.processInfo.processorCount) cores with `make chaos`
        (`CLUSTERCTL_CHAOS_TRIALS=\(trials) swift test --filter Chaos`).

        """
        if !earlier.isEmpty {
            text += "The \(earlier.count) rows this run did not measure (it ran some scenarios only, with `--filter`) "
                + "keep the figures of the run before.\n"
        }
        return text
    }
}

extension LocalClusterHarness {
    /// The number of processes of each service of this cluster that are not children of a
    /// process of the same service (the service's own process, as its supervisor started it):
    /// more than one means the service runs twice.
    func serviceProcessCounts() -> [String: Int] {
        let prefix = "CLUSTERCTL_SERVICE=\(name)/"
        var mark: [Int32: String] = [:]
        var parent: [Int32: Int32] = [:]
        for pid in markedProcesses() {
            guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
                  let entry = environ.split(separator: 0).map({ String(decoding: $0, as: UTF8.self) })
                    .first(where: { $0.hasPrefix(prefix) }),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            mark[pid] = String(entry.dropFirst(prefix.count))
            parent[pid] = fields.count > 1 ? Int32(fields[1]) : nil
        }
        var counts: [String: Int] = [:]
        for (pid, service) in mark where parent[pid].flatMap({ mark[$0] }) != service {
            counts[service, default: 0] += 1
        }
        return counts
    }

    /// The top-level process of `service`, if it runs.
    func serviceProcess(_ service: String) -> Int32? {
        let wanted = Data("CLUSTERCTL_SERVICE=\(name)/\(service)".utf8)
        let pids = markedProcesses().filter { pid in
            FileManager.default.contents(atPath: "/proc/\(pid)/environ")?.split(separator: 0).contains { Data($0) == wanted } == true
        }
        return pids.first { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && !pids.contains(Int32(fields[1]) ?? -1)
        }
    }

    /// Starts `clusterctl ARGS` in the background with this harness's home; output discarded.
    func startClusterctl(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["CLUSTERCTL_HOME": home.path, "CLUSTERCTL_TEMPLATES": Self.templates]) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// `Tests/Fixtures/tcp-fault-proxy` on one loopback address: a network path to a host that
/// can be made to reset (`drop`) or freeze (`stall`) its connections, and healed (`pass`).
/// Stopped by pid.
final class TCPFaultProxy {
    enum Mode: String { case pass, drop, stall }

    let address: String
    private let modeFile: String
    private let process: Process

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tcp-fault-proxy").path

    /// A proxy listening on `address:port`, carrying connections to `target:port`.
    init(address: String, port: Int, target: String, directory: URL) throws {
        self.address = address
        modeFile = directory.appendingPathComponent("proxy-\(address).mode").path
        try Mode.pass.rawValue.write(toFile: modeFile, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, address, String(port), target, String(port), modeFile]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // It says `ready` once it listens (or ends, having failed).
        let line = output.fileHandleForReading.availableData
        guard String(decoding: line, as: UTF8.self).hasPrefix("ready") else {
            stop()
            throw CapturedRun.Failure.timedOut(command: "tcp-fault-proxy on \(address):\(port) did not start", seconds: 0)
        }
    }

    func set(_ mode: Mode) throws {
        try mode.rawValue.write(toFile: modeFile, atomically: true, encoding: .utf8)
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
