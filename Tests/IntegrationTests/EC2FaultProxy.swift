import Foundation

/// `Tests/Fixtures/ec2-fault-proxy` inside an ``EC2Sandbox``'s namespace, in front of its moto:
/// every `every`-th request is answered with a 503 `RequestLimitExceeded`, a connection reset
/// or a reply delayed by `slowSeconds`, in turn (a retry of a failed request is let through);
/// the first request of each action in `lose` reaches moto but its reply is replaced by a reset.
/// Point clusterctl at ``endpoint`` with `AWS_ENDPOINT_URL`; ``injected()`` says what it did.
/// Stopped by pid (and it exits by itself when the test process does).
final class EC2FaultProxy {
    /// What the proxy has done so far.
    struct Counts: Equatable {
        var requests = 0
        var forwarded = 0
        var throttled = 0
        var resets = 0
        var slow = 0
        /// Requests moto carried out whose reply the proxy replaced by a reset.
        var lost = 0
        /// Throttled, reset or lost requests that came again unchanged (the same body: for
        /// RunInstances, the same client token).
        var retried = 0

        /// The counts since `earlier`.
        func since(_ earlier: Counts) -> Counts {
            Counts(requests: requests - earlier.requests, forwarded: forwarded - earlier.forwarded,
                   throttled: throttled - earlier.throttled, resets: resets - earlier.resets, slow: slow - earlier.slow,
                   lost: lost - earlier.lost, retried: retried - earlier.retried)
        }
    }

    /// `http://127.0.0.1:PORT`, reachable inside the sandbox's namespace only.
    let endpoint: String
    private let directory: URL
    private let process: Process

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/ec2-fault-proxy").path

    /// `every` 0 injects no periodic fault.
    init(in sandbox: EC2Sandbox, every: Int, slowSeconds: Double, lose: [String] = []) throws {
        let directory = sandbox.directory.appendingPathComponent("fault-proxy-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let stderrLog = directory.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: stderrLog.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments = ["--net=/proc/\(sandbox.holderPid)/ns/net", "--", EC2Sandbox.python, Self.script,
                             sandbox.endpoint, directory.path, String(every), String(slowSeconds),
                             lose.joined(separator: ",")]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: stderrLog)
        try process.run()
        let portFile = directory.appendingPathComponent("port").path
        var port: Int?
        _ = eventually(within: 30, every: 0.05) {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8))
                .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            return port != nil || !process.isRunning
        }
        guard let port else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let stderr = (try? String(contentsOf: stderrLog, encoding: .utf8)) ?? ""
            throw EC2Sandbox.Failure(description: "ec2-fault-proxy did not start within 30 s:\n\(stderr)")
        }
        (self.directory, self.process, endpoint) = (directory, process, "http://127.0.0.1:\(port)")
    }

    /// What the proxy has injected and forwarded since it started.
    func injected() throws -> Counts {
        let data = try Data(contentsOf: directory.appendingPathComponent("stats.json"))
        let stats = try JSONSerialization.jsonObject(with: data) as? [String: Int] ?? [:]
        return Counts(requests: stats["requests"] ?? 0, forwarded: stats["forwarded"] ?? 0,
                      throttled: stats["throttle"] ?? 0, resets: stats["reset"] ?? 0, slow: stats["slow"] ?? 0,
                      lost: stats["lost"] ?? 0, retried: stats["retried"] ?? 0)
    }

    /// One line per request, `N ACTION -> forwarded|throttle|reset|slow|lost`.
    var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("requests.log"), encoding: .utf8)) ?? ""
    }

    /// Kills the proxy by pid.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
