import ClusterKit
import Foundation
import Testing

/// A node's environment, runtime files and service starts go as one remote command; when that
/// command is longer than the SSH server takes in one request, `SSHBackend` sends the starts as
/// a second command. Here a real sshd host is reached through a runner that refuses every
/// command holding both the bootstrap and a start (standing for a server with a smaller
/// request limit), and the split start must still bring up a scheduler and a worker that a
/// real Dask client computes on.
@Suite struct SplitStartTests {
    @Test func startsTooLongForOneRequestGoAsASecondCommand() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2"])
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "split")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.2"], count: 1)
        try (String(contentsOfFile: file, encoding: .utf8) + "\nenvironment:\n  base: minimal\n")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let spec = try SpecLoader.load(path: file)
        guard case .ssh(let ssh) = spec.provider else { throw ClusterError("not an ssh spec") }

        let knownHosts = cluster.directory.appendingPathComponent("known_hosts").path
        let runner = ShortRequestRunner(SSHRunner(host: "127.0.0.2", access: ssh.access, clusterKnownHosts: knownHosts))
        let backend = SSHBackend(spec: spec, access: ssh.access, installDir: ssh.installDir,
                                 nodeProvider: FixedNodes(scheduler: ssh.scheduler, workers: ssh.workers), facts: [:]) { _, _ in runner }
        let endpoint = SchedulerEndpoint(host: "127.0.0.2", port: try PortProbe.freePort(host: "127.0.0.2"),
                                         dashboardPort: try PortProbe.freePort(host: "127.0.0.2"))
        var steps: [String] = []
        let records = try backend.prepareAndStart(on: "127.0.0.2", spec: spec, starts: [.scheduler, .workers(service: "w0", count: 1)],
                                                  endpoint: { endpoint }, report: { steps.append($0) })

        #expect(runner.refusals == 1, "the combined command was refused \(runner.refusals) times")
        #expect(records.map(\.name) == ["scheduler", "w0"] && records.allSatisfy { ($0.pid ?? 0) > 0 }, "\(records)")
        let python = try #require(backend.environmentPath) + "/bin/python"
        let client = try CapturedRun.of(python, ["-c", LocalClusterLifecycleTests.computeScript],
                                        environment: ["ADDRESS": "tcp://127.0.0.2:\(endpoint.port)"], timeout: 120)
        #expect(client.stdout.contains("RESULT -285"), "\(client.all)\nsteps: \(steps)")
        #expect(cluster.markedProcesses().count >= 2, "the scheduler and the worker run under the cluster's mark")
    }
}

/// An SSH runner standing for a server that takes shorter requests than OpenSSH's: it refuses,
/// as `RunnerError.tooLong`, any command that holds both a node's bootstrap and a service start,
/// and passes everything else to the real runner.
final class ShortRequestRunner: CommandRunner, @unchecked Sendable {
    private let inner: SSHRunner
    private let lock = NSLock()
    private var refused = 0

    init(_ inner: SSHRunner) { self.inner = inner }

    var host: String { inner.host }
    /// How many commands were refused.
    var refusals: Int { lock.withLock { refused } }

    func run(_ command: String, input: Data?, timeout: Double) throws -> CommandResult {
        if command.contains("clusterctl_bootstrap=") && command.contains("clusterctl-step: start ") {
            lock.withLock { refused += 1 }
            throw RunnerError.tooLong(host: host, bytes: command.utf8.count, limit: command.utf8.count - 1)
        }
        return try inner.run(command, input: input, timeout: timeout)
    }

    func stream(_ command: String, onOutput: @escaping (String) -> Void) throws -> Int32 {
        try inner.stream(command, onOutput: onOutput)
    }

    func upload(_ contents: Data, to path: String, mode: Int) throws { try inner.upload(contents, to: path, mode: mode) }

    func forward(to remoteHost: String, port remotePort: Int, localPort: Int) throws -> PortForward {
        try inner.forward(to: remoteHost, port: remotePort, localPort: localPort)
    }
}
