import Foundation
import Testing
@testable import SSHKit

@Suite("exec across a network with latency")
struct LatencyTests {
    @Test("commands started at once on one session behind a 25 ms link each get their own reply")
    func concurrentCommandsBehindLatency() throws {
        try withSSHHosts { hosts throws in
            let link = try DelayedLink(to: hosts, address: hosts.addresses[0], delayMs: 25)
            defer { link.stop() }
            let session = try SSHSession.connect(link.configuration)
            defer { session.close() }
            let results = ResultBox()
            // Replies to exec requests arrive while other channels wait for theirs: libssh2
            // must not take another channel's reply for its own.
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                for n in 0..<3 {
                    let text = "\(worker)-\(n)"
                    results.append(text, Result { try session.execute("echo \(text)", timeout: 60).stdoutText })
                }
            }
            #expect(results.count == 24)
            for (expected, outcome) in results.all {
                #expect((try? outcome.get()) == "\(expected)\n", "\(outcome)")
            }
        }
    }
}

/// `bench/latency-proxy` in front of one test host's sshd: every byte takes `delayMs` each way.
/// Stopped by pid in `stop()`.
final class DelayedLink {
    /// A configuration that reaches the host through the link, its host key trusted.
    let configuration: SSHConfiguration
    private let pid: pid_t
    private let outputFile: String

    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("bench/latency_proxy.py").path
    private static let sshdHost = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/sshd-host").path

    init(to hosts: SSHTestHosts, address: String, delayMs: Int) throws {
        let listenAddress = "127.0.0.250"
        outputFile = "\(hosts.directory)/latency-proxy-\(UUID().uuidString).log"
        var started: (pid_t, Int)?
        for _ in 0..<5 where started == nil {
            let port = Int(try TestProcess.run([Self.sshdHost, "port", listenAddress])
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            let pid = try TestProcess.spawn(
                ["python3", Self.script, "--delay-ms", String(delayMs),
                 "--listen", "\(listenAddress):\(port)", "--target", "\(address):\(hosts.port)"],
                outputFile: outputFile)
            if Self.waitForReady(pid: pid, outputFile: outputFile) {
                started = (pid, port)
            }
        }
        guard let (pid, port) = started else {
            let output = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
            throw TestProcess.Failure(command: "latency-proxy", status: 1, output: output)
        }
        self.pid = pid
        let knownHosts = "\(hosts.directory)/known_hosts-link-\(port)"
        let hostLine = try hosts.knownHostsLine(for: address)
        let keyPart = hostLine.split(separator: " ", maxSplits: 1)[1]
        try "[\(listenAddress)]:\(port) \(keyPart)".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        var configuration = hosts.configuration(listenAddress, key: hosts.ed25519Key, policy: .strict,
                                                recordFile: knownHosts)
        configuration.port = port
        self.configuration = configuration
    }

    func stop() {
        TestProcess.stop(pid)
    }

    /// Waits up to 10 s for the proxy to print `ready`; false if it exited (a taken port) or
    /// stayed silent (then it is stopped).
    private static func waitForReady(pid: pid_t, outputFile: String) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let output = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
            if output.contains("ready") { return true }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return false }
            usleep(20_000)
        }
        TestProcess.stop(pid)
        return false
    }
}
