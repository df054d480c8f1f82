import Foundation
import Testing
@testable import ClusterKit

@Suite("SSHRunner over real sshd hosts")
struct SSHRunnerTests {
    private func spec(_ fixture: SSHHostsFixture, policy: HostKeyPolicy = .strict,
                      knownHosts: String? = nil) -> SSHAccess {
        SSHAccess(user: fixture.user, key: fixture.key, port: fixture.port,
                  knownHosts: knownHosts ?? fixture.knownHosts, hostKeyPolicy: policy, connectTimeout: 5)
    }

    private func withHosts(_ count: Int, _ body: (SSHHostsFixture) throws -> Void) throws {
        let fixture = try SSHHostsFixture(count: count)
        defer { fixture.stop() }
        try body(fixture)
    }

    @Test("run, stream, upload and forward behave as the CommandRunner contract says, on one reused connection")
    func contract() throws {
        try withHosts(1) { fixture in
            let host = fixture.addresses[0]
            let runner = SSHRunner(host: host, access: spec(fixture),
                                   clusterKnownHosts: fixture.directory + "/cluster/known_hosts")
            defer { runner.close() }
            #expect(runner.host == host)

            let result = try runner.run("echo \"$0\"; echo 'it'\"'\"'s'; echo oops >&2; exit 4", timeout: 10)
            #expect(result == CommandResult(exitCode: 4, stdout: "/bin/sh\nit's\n", stderr: "oops\n"))

            // A command that outlives its timeout is stopped on the host, children and all.
            let marker = "clusterctl-timeout-\(UInt32.random(in: 0...UInt32.max))"
            let slow = "sh -c 'sleep 300; echo \(marker)' & sleep 301"
            let error = thrownError { _ = try runner.run(slow, timeout: 1) }
            guard case .timedOut(host, slow, 1)? = error as? RunnerError else {
                Issue.record("expected RunnerError.timedOut, got \(String(describing: error))")
                return
            }
            #expect("\(error!)".contains("was stopped"))
            // (`[c]` keeps pgrep from finding its own shell, whose arguments hold the pattern.)
            // Gone within seconds, not left to run its 300 s (checked until a deadline: a process
            // being killed can still be listed for a moment on a loaded host).
            var left = ""
            let deadline = Date().addingTimeInterval(10)
            repeat {
                left = try runner.run("pgrep -f '[c]\(marker.dropFirst())' || true", timeout: 10).stdout
            } while !left.isEmpty && Date() < deadline
            #expect(left.isEmpty, "still running 10 s after the timeout: \(left)")

            var streamed = ""
            let status = try runner.stream("printf 'a\\nb\\n'; printf 'caf\\303\\251\\n' >&2; exit 2") { streamed += $0 }
            #expect(status == 2)
            #expect(streamed.contains("a\nb\n") && streamed.contains("café\n"))

            // Input reaches the command through the wrapper that makes it stoppable.
            let fed = try runner.run("wc -c; echo \"$(id -u)\" >/dev/null", input: Data(repeating: 65, count: 100_000), timeout: 10)
            #expect(fed.exitCode == 0 && fed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "100000", "\(fed)")

            // Longer than one SSH request holds: refused before it is sent, as `tooLong` (what
            // SSHBackend splits a node's combined command on), and the connection stays usable.
            let long = "true " + String(repeating: "x", count: SSHRunner.requestLimit)
            let refused = thrownError { _ = try runner.run(long, timeout: 10) }
            guard case .tooLong(host, _, SSHRunner.requestLimit)? = refused as? RunnerError else {
                Issue.record("expected RunnerError.tooLong, got \(String(describing: refused))")
                return
            }
            #expect(try runner.run("echo still", timeout: 10).stdout == "still\n")

            let path = fixture.directory + "/new/nested dir/conf"
            try runner.upload(Data("x=1\n".utf8), to: path, mode: 0o640)
            #expect(FileManager.default.contents(atPath: path) == Data("x=1\n".utf8))
            #expect(try runner.run("stat -c %a '\(path)'", timeout: 10).stdout == "640\n")

            // Forward to the host's own sshd port: the SSH banner comes back through the tunnel.
            let forward = try runner.forward(to: host, port: fixture.port)
            defer { forward.close() }
            #expect(try readBanner(port: forward.localPort).hasPrefix("SSH-2.0-OpenSSH"))

            // Everything above went over one connection.
            let log = try String(contentsOfFile: "\(fixture.directory)/\(host)/sshd.log", encoding: .utf8)
            #expect(log.components(separatedBy: "Accepted publickey").count - 1 == 1)

            runner.close()
            #expect(try runner.run("echo again", timeout: 10).stdout == "again\n")
        }
    }

    @Test("host key policy: strict refuses an unknown host, accept-new records it in the cluster's file")
    func hostKeyPolicy() throws {
        try withHosts(1) { fixture in
            let host = fixture.addresses[0]
            let empty = fixture.directory + "/empty_known_hosts"
            FileManager.default.createFile(atPath: empty, contents: Data())
            let clusterFile = fixture.directory + "/state/dev/known_hosts"

            let strict = SSHRunner(host: host, access: spec(fixture, knownHosts: empty), clusterKnownHosts: clusterFile)
            let refused = thrownError { try strict.connect() }
            guard case .connection(host, let reason)? = refused as? RunnerError else {
                Issue.record("expected RunnerError.connection, got \(String(describing: refused))")
                return
            }
            #expect(reason.contains("ssh host key") && reason.contains("host_key_policy: accept-new"))

            let trusting = SSHRunner(host: host, access: spec(fixture, policy: .acceptNew, knownHosts: empty),
                                     clusterKnownHosts: clusterFile)
            #expect(try trusting.run("echo trusted", timeout: 10).stdout == "trusted\n")
            trusting.close()
            #expect(try String(contentsOfFile: clusterFile, encoding: .utf8).hasPrefix("[\(host)]:\(fixture.port) ssh-ed25519 "))
            try strict.connect()
            strict.close()
        }
    }

    @Test("fan-out: 8 hosts x 5 commands, one connection each; an unreachable host is reported by name")
    func fanOut() throws {
        try withHosts(8) { fixture in
            let clusterFile = fixture.directory + "/cluster_known_hosts"
            let runners = fixture.addresses.map {
                SSHRunner(host: $0, access: spec(fixture), clusterKnownHosts: clusterFile)
            }
            defer { runners.forEach { $0.close() } }
            let outputs = try FanOut.run(runners, limit: 8) { runner in
                try (1...5).map { n in try runner.run("echo \(runner.host) \(n)", timeout: 20).stdout }
            }
            #expect(outputs.count == 8)
            for host in fixture.addresses {
                #expect(outputs[host] == (1...5).map { "\(host) \($0)\n" })
            }

            // 127.0.0.20 runs no sshd: connection refused, while the others answer.
            let unreachable = "127.0.0.20"
            let hosts = Array(fixture.addresses.prefix(3)) + [unreachable]
            let error = thrownError {
                _ = try FanOut.run(hosts, limit: 4) { host in
                    try SSHRunner(host: host, access: spec(fixture), clusterKnownHosts: clusterFile)
                        .run("hostname", timeout: 10)
                }
            }
            guard let failure = error as? FanOutError else {
                Issue.record("expected FanOutError, got \(String(describing: error))")
                return
            }
            #expect(failure.failures.map(\.host) == [unreachable])
            #expect(failure.description.hasPrefix("1 of 4 hosts failed:\n\(unreachable): ssh connect:"))
            #expect(failure.description.contains("Connection refused"))
        }
    }

    @Test("a connection that died while idle is replaced on the next call, which then runs once")
    func reconnectsAfterIdleDeath() throws {
        try withHosts(1) { fixture in
            let host = fixture.addresses[0]
            let runner = SSHRunner(host: host, access: spec(fixture), clusterKnownHosts: fixture.directory + "/kh")
            defer { runner.close() }
            #expect(try runner.run("true", timeout: 10).exitCode == 0)

            // Kill the server side of the connection (every process under the listening sshd).
            let master = try String(contentsOfFile: "\(fixture.directory)/\(host)/sshd.pid", encoding: .utf8)
            let connection = descendants(of: pid_t(master.trimmingCharacters(in: .whitespacesAndNewlines))!)
            #expect(!connection.isEmpty)
            connection.forEach { kill($0, SIGKILL) }
            let end = Date().addingTimeInterval(10)
            while connection.contains(where: isAlive) && Date() < end { usleep(20_000) }

            let marker = fixture.directory + "/ran"
            #expect(try runner.run("echo x >> '\(marker)'; echo back", timeout: 10).stdout == "back\n")
            #expect(try String(contentsOfFile: marker, encoding: .utf8) == "x\n")
            let log = try String(contentsOfFile: "\(fixture.directory)/\(host)/sshd.log", encoding: .utf8)
            #expect(log.components(separatedBy: "Accepted publickey").count - 1 == 2)
        }
    }

    @Test("UTF-8 boundaries: a chunk is never cut inside a character")
    func utf8Boundary() {
        let cafe = Data("café".utf8)  // é is two bytes
        #expect(UTF8Boundary.completePrefixLength(of: cafe) == cafe.count)
        #expect(UTF8Boundary.completePrefixLength(of: cafe.dropLast()) == 3)
        let emoji = Data("a😀".utf8)
        for cut in 2..<emoji.count {
            #expect(UTF8Boundary.completePrefixLength(of: emoji.prefix(cut)) == 1)
        }
        #expect(UTF8Boundary.completePrefixLength(of: Data()) == 0)
    }
}

/// Every process below `root`, from /proc.
private func descendants(of root: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    var children: [pid_t: [pid_t]] = [:]
    for entry in entries {
        guard let pid = pid_t(entry),
              let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { continue }
        // Fields after "(comm)": state, then the parent's pid.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        if fields.count > 1, let parent = pid_t(fields[1]) { children[parent, default: []].append(pid) }
    }
    var found: [pid_t] = []
    var queue = children[root] ?? []
    while let next = queue.popLast() {
        found.append(next)
        queue += children[next] ?? []
    }
    return found
}

/// False for a process that has exited (also when it lingers as a zombie).
private func isAlive(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return !stat[stat.index(after: close)...].hasPrefix(" Z")
}

/// Reads the first line a server sends on 127.0.0.1:`port`.
private func readBanner(port: Int) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw RunnerError.connection(host: "127.0.0.1", reason: "connect failed") }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var line = Data()
    var byte: UInt8 = 0
    while recv(fd, &byte, 1, 0) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
    return String(decoding: line, as: UTF8.self)
}

private func thrownError(_ body: () throws -> Void) -> Error? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}
