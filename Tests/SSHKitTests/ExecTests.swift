import Foundation
import Testing
@testable import SSHKit

@Suite("exec over a real sshd")
struct ExecTests {
    @Test("stdout, stderr and exit status come back separately")
    func outputAndStatus() throws {
        try withSSHHosts { hosts throws in
            let session = try hosts.connect()
            defer { session.close() }
            let result = try session.execute("echo out; echo err >&2; exit 7", timeout: 10)
            #expect(result.stdoutText == "out\n")
            #expect(result.stderrText == "err\n")
            #expect(result.exitStatus == 7)
            #expect(try session.execute("true", timeout: 10).exitStatus == 0)
            #expect(try session.hostKeyFingerprint == hosts.fingerprint(of: hosts.addresses[0]))
        }
    }

    @Test("many commands reuse one session, output larger than the channel window arrives whole")
    func reuseAndLargeOutput() throws {
        try withSSHHosts { hosts throws in
            let session = try hosts.connect()
            defer { session.close() }
            for n in 1...20 {
                #expect(try session.execute("echo \(n)", timeout: 10).stdoutText == "\(n)\n")
            }
            // 5 MB on stdout and 1 MB on stderr, more than libssh2's 2 MB window.
            let result = try session.execute(
                "head -c 5000000 /dev/zero | tr '\\0' a; head -c 1000000 /dev/zero | tr '\\0' b >&2", timeout: 30)
            #expect(result.stdout.count == 5_000_000)
            #expect(result.stderr.count == 1_000_000)
            #expect(result.stdout.allSatisfy { $0 == UInt8(ascii: "a") })
        }
    }

    @Test("input reaches the command's standard input, then end of file")
    func standardInput() throws {
        try withSSHHosts { hosts throws in
            let session = try hosts.connect()
            defer { session.close() }
            // 1 MB, more than one packet and than sshd's first window, each byte checked.
            let input = Data((0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            let echoed = try session.execute("cat", input: input, timeout: 30)
            #expect(echoed.exitStatus == 0 && echoed.stdout == input, "\(echoed.stdout.count) bytes back")
            let counted = try session.execute("wc -c", input: Data("a secret\n".utf8), timeout: 10)
            #expect(counted.stdoutText.trimmingCharacters(in: .whitespaces) == "9\n")
            #expect(try session.execute("wc -c", input: Data(), timeout: 10).stdoutText.trimmingCharacters(in: .whitespaces) == "0\n")
        }
    }

    @Test("a command killed by a signal reports 128 + the signal number")
    func killedBySignal() throws {
        try withSSHHosts { hosts throws in
            let session = try hosts.connect()
            defer { session.close() }
            let result = try session.execute("kill -TERM $$", timeout: 10)
            #expect(result.exitSignal == "TERM")
            #expect(result.exitStatus == 143)
        }
    }

    @Test("a command past its deadline is abandoned with a timeout naming the host, and the session stays usable")
    func deadline() throws {
        try withSSHHosts { hosts throws in
            let session = try hosts.connect()
            defer { session.close() }
            let started = Date()
            let error = thrownError { _ = try session.execute("sleep 30", timeout: 1.5) }
            let elapsed = Date().timeIntervalSince(started)
            guard case .timedOut(let host, .exec, let seconds, _)? = error as? SSHError else {
                Issue.record("expected an exec timeout, got \(String(describing: error))")
                return
            }
            #expect(host == "\(hosts.addresses[0]):\(hosts.port)")
            #expect(seconds == 1.5)
            #expect(elapsed >= 1.5 && elapsed < 5)
            #expect(String(describing: error!).contains("did not finish within 1.5 s"))
            #expect(try session.execute("echo still here", timeout: 10).stdoutText == "still here\n")
        }
    }

    @Test("stream hands output over as it arrives and stops on request")
    func streamAndStop() throws {
        try withSSHHosts { hosts throws in
            let session = try hosts.connect()
            defer { session.close() }
            let stop = SSHStopSignal()
            var lines: [String] = []
            let status = try session.stream("for i in $(seq 1 1000); do echo line $i; sleep 0.05; done", stop: stop) { chunk in
                lines += String(decoding: chunk.data, as: UTF8.self).split(separator: "\n").map(String.init)
                if lines.count >= 3 { stop.stop() }
            }
            #expect(status == nil)
            #expect(lines.prefix(3) == ["line 1", "line 2", "line 3"])
            #expect(lines.count < 20)

            var chunks: [SSHOutputChunk] = []
            let finished = try session.stream("echo a; echo b >&2; exit 3") { chunks.append($0) }
            #expect(finished == 3)
            #expect(chunks.contains(SSHOutputChunk(stream: .stderr, data: Data("b\n".utf8))))
        }
    }

    @Test("commands from several threads share one session")
    func concurrentCommandsOnOneSession() throws {
        try withSSHHosts { hosts throws in
            let session = try hosts.connect()
            defer { session.close() }
            let results = ResultBox()
            DispatchQueue.concurrentPerform(iterations: 6) { worker in
                for n in 0..<5 {
                    let text = "\(worker)-\(n)"
                    let outcome = Result { try session.execute("sleep 0.0\(n); echo \(text)", timeout: 60).stdoutText }
                    results.append(text, outcome)
                }
            }
            #expect(results.count == 30)
            for (expected, outcome) in results.all {
                #expect((try? outcome.get()) == "\(expected)\n", "\(outcome)")
            }
        }
    }
}

/// Collects results from several threads.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(String, Result<String, Error>)] = []

    func append(_ key: String, _ result: Result<String, Error>) {
        lock.lock()
        items.append((key, result))
        lock.unlock()
    }

    var all: [(String, Result<String, Error>)] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }

    var count: Int { all.count }
}
