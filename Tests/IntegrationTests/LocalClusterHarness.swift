import Foundation
import Testing

/// Drives the built `clusterctl` binary against its own state home, and cleans up after it:
/// `down`, then SIGKILL by pid of anything still marked as this cluster's.
final class LocalClusterHarness: Sendable {
    let name: String
    let directory: URL
    let home: URL

    /// A harness for a fresh cluster named `prefix-<random>` in a new temp directory.
    init(prefix: String) throws {
        name = "\(prefix)-\(UInt32.random(in: 0..<UInt32.max) % 1_000_000)"
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("clusterctl-it-\(name)")
        home = directory.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    /// The built binary: beside this test bundle, or `CLUSTERCTL_BIN`.
    static let binary: String = {
        if let explicit = ProcessInfo.processInfo.environment["CLUSTERCTL_BIN"] { return explicit }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("clusterctl")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/clusterctl").path
    }()

    /// The repository's templates, so tests always run the templates in the tree.
    static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/ClusterKit/templates").path

    /// Writes a cluster file for this cluster (local provider, free ports) and returns its path.
    func writeClusterFile(workers: Int, extra: String = "", fileName: String = "cluster.yaml",
                          python: String = "python3", base: String? = nil, packages: [String] = []) throws -> String {
        let text = """
        name: \(name)
        provider:
          kind: local
        scheduler:
          port: 0
          dashboard_port: 0
        workers:
          count: \(workers)
          threads: 1
          memory_limit: 1GiB
        environment:
          python: \(python)\(base.map { "\n  base: \($0)" } ?? "")
          packages: [\(packages.joined(separator: ", "))]
        \(extra)
        """
        let url = directory.appendingPathComponent(fileName)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Runs `clusterctl ARGS` with this harness's home; returns status and output.
    @discardableResult
    func clusterctl(_ arguments: [String], timeout: Double = 300) throws -> CapturedRun {
        try CapturedRun.of(Self.binary, arguments,
                              environment: ["CLUSTERCTL_HOME": home.path, "CLUSTERCTL_TEMPLATES": Self.templates],
                              timeout: timeout)
    }

    /// `status --output json`, decoded.
    func status() throws -> [String: Any] {
        let run = try clusterctl(["status", name, "--output", "json"])
        #expect(run.status == 0, "status failed: \(run.stderr)")
        return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
    }

    /// The cluster's scheduler address and Python environment, from `status`.
    func connection() throws -> (address: String, python: String) {
        let status = try status()
        let scheduler = status["scheduler"] as? [String: Any]
        let environment = status["environment"] as? String ?? ""
        return (scheduler?["address"] as? String ?? "", environment + "/bin/python")
    }

    /// Number of workers the scheduler reports, per `status`.
    func registeredWorkers() throws -> Int {
        ((try status()["workers"] as? [String: Any])?["registered"] as? Int) ?? -1
    }

    /// What a client's environment needs: `ADDRESS`, the scheduler's address, and for a TLS
    /// cluster Dask's settings naming the client files from `status` (as `clusterctl env` sets them).
    func clientEnvironment() throws -> [String: String] {
        Self.clientEnvironment(status: try status())
    }

    /// `clientEnvironment()` from a `status --output json` already read.
    static func clientEnvironment(status: [String: Any]) -> [String: String] {
        let scheduler = status["scheduler"] as? [String: Any]
        var environment = ["ADDRESS": scheduler?["address"] as? String ?? ""]
        if let tls = scheduler?["tls"] as? [String: String] {
            environment["DASK_DISTRIBUTED__COMM__TLS__CA_FILE"] = tls["authority"]
            environment["DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT"] = tls["certificate"]
            environment["DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY"] = tls["key"]
            environment["DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION"] = "True"
        }
        return environment
    }

    /// Runs a Python script with the cluster's environment, `ADDRESS` set to the scheduler
    /// (and the client's TLS files, for a TLS cluster).
    func python(_ script: String, timeout: Double = 120) throws -> CapturedRun {
        let (_, python) = try connection()
        return try CapturedRun.of(python, ["-c", script], environment: try clientEnvironment(), timeout: timeout)
    }

    /// Live processes carrying this cluster's service mark.
    func markedProcesses() -> [Int32] {
        processes(marked: "CLUSTERCTL_SERVICE=\(name)/")
    }

    /// Live detached-supervisor watchers of this cluster's services (they restart what they watch).
    func watcherProcesses() -> [Int32] {
        processes(marked: "CLUSTERCTL_SUPERVISOR=\(name)/")
    }

    /// Live (not zombie) processes with an environment entry starting with `mark`.
    private func processes(marked mark: String) -> [Int32] {
        let marker = Data(mark.utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
                  environ.split(separator: 0).contains(where: { Data($0).starts(with: marker) }),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
        }
    }

    /// SIGKILLs every process of this cluster's services, and their supervisor's watchers
    /// first (they would start again what is killed next): what a host's power cut leaves.
    func killAll() {
        for pid in watcherProcesses() { kill(pid, SIGKILL) }
        for pid in markedProcesses() { kill(pid, SIGKILL) }
    }

    /// Stops the cluster and anything it left, by pid, then removes the temp directory.
    func tearDown() {
        _ = try? clusterctl(["down", name, "--yes"], timeout: 120)
        killAll()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Waits for `condition` with a deadline, polling; returns whether it came true.
func eventually(within seconds: Double, every interval: Double = 0.2, _ condition: () throws -> Bool) rethrows -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while true {
        if try condition() { return true }
        if Date() >= end { return false }
        Thread.sleep(forTimeInterval: interval)
    }
}
