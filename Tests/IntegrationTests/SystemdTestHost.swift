import Foundation

/// A Debian host with systemd as PID 1, booted by `Tests/Fixtures/systemd-host` in a
/// systemd-nspawn container that shares this machine's network: root logs in over SSH on
/// 127.0.0.1:`port` with a key made for this host alone.
///
/// Start one with `start()`, and stop it with `stopOrKill()` in a `defer` so that a failing test
/// still powers it off. Tests that need one are skipped where `unavailableReason` is not nil.
final class SystemdTestHost {
    /// What went wrong driving the fixture.
    enum Failure: Error, CustomStringConvertible {
        case commandFailed(command: String, status: Int32, output: String)
        case unexpectedOutput(subcommand: String, output: String)
        case noFreePort(ClosedRange<Int>)

        var description: String {
            switch self {
            case let .commandFailed(command, status, output):
                return "`\(command)` exited with \(status):\n\(output)"
            case let .unexpectedOutput(subcommand, output):
                return "systemd-host \(subcommand) printed no pid= and host_key= lines:\n\(output)"
            case let .noFreePort(range):
                return "no free TCP port on 127.0.0.1 in \(range)"
            }
        }
    }

    /// The container's machine name, also its host name.
    let name: String
    /// The port its sshd listens on, on 127.0.0.1.
    let port: Int
    /// The pid of the systemd-nspawn process running it.
    let pid: pid_t
    /// Its SSH host public key, `ssh-ed25519 AAAA...`.
    let hostKey: String
    /// The private key authorized for root on it.
    let privateKeyPath: String
    /// A known_hosts file that holds its host key, and nothing else.
    let knownHostsPath: String
    private let keyDirectory: URL

    /// The fixture script in the source tree.
    static let fixturePath: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/systemd-host").path

    /// Why this machine cannot boot test hosts (not root, no systemd-nspawn, no usable cgroups),
    /// or nil when it can.
    static let unavailableReason: String? = {
        do {
            let check = try CapturedRun.of(fixturePath, ["check"], timeout: 30)
            if check.status == 0 { return nil }
            return (check.stdout + check.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            return "systemd-host check did not run: \(error)"
        }
    }()

    private init(name: String, port: Int, pid: pid_t, hostKey: String, keyDirectory: URL) {
        self.name = name
        self.port = port
        self.pid = pid
        self.hostKey = hostKey
        self.keyDirectory = keyDirectory
        self.privateKeyPath = keyDirectory.appendingPathComponent("id_ed25519").path
        self.knownHostsPath = keyDirectory.appendingPathComponent("known_hosts").path
    }

    /// Boots a host on a free port in `ports` and waits until its SSH answers.
    ///
    /// The first start on a machine builds the cached image (a few minutes); later ones take
    /// a couple of seconds.
    static func start(ports: ClosedRange<Int> = 23000...23999) throws -> SystemdTestHost {
        let keyDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("systemd-test-host-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: keyDirectory, withIntermediateDirectories: true)
        do {
            let keyPath = keyDirectory.appendingPathComponent("id_ed25519").path
            _ = try runChecked("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "clusterctl-test", "-f", keyPath])

            let port = try freePort(in: ports)
            let name = "clusterctl-\(port)"
            let output = try runChecked(fixturePath, ["start", name, String(port), keyPath + ".pub"], timeout: 900)
            let fields = keyValueLines(output)
            guard let pid = fields["pid"].flatMap({ pid_t($0) }), let hostKey = fields["host_key"],
                  let knownHosts = fields["known_hosts"] else {
                throw Failure.unexpectedOutput(subcommand: "start", output: output)
            }
            let host = SystemdTestHost(name: name, port: port, pid: pid, hostKey: hostKey, keyDirectory: keyDirectory)
            try Data((knownHosts + "\n").utf8).write(to: URL(fileURLWithPath: host.knownHostsPath))
            return host
        } catch {
            try? FileManager.default.removeItem(at: keyDirectory)
            throw error
        }
    }

    /// Runs `command` as root on the host through the OpenSSH client, checking its host key.
    func ssh(_ command: String, timeout: Double = 60) throws -> CapturedRun {
        try CapturedRun.of("ssh", [
            "-i", privateKeyPath, "-p", String(port),
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=\(knownHostsPath)",
            "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR",
            "root@127.0.0.1", command,
        ], timeout: timeout)
    }

    /// Powers the host off (SIGTERM to its nspawn, SIGKILL after a deadline) and removes its files.
    func stop() throws {
        _ = try Self.runChecked(Self.fixturePath, ["stop", name], timeout: 120)
        try? FileManager.default.removeItem(at: keyDirectory)
    }

    /// Stops the host however the fixture fares: for `defer`, so that failing tests clean up too.
    func stopOrKill() {
        do {
            try stop()
        } catch {
            kill(pid, SIGKILL)
            _ = try? Self.runChecked(Self.fixturePath, ["stop", name], timeout: 120)
            try? FileManager.default.removeItem(at: keyDirectory)
        }
    }

    /// Whether `pid` is a live process (a zombie waiting to be reaped counts as gone).
    static func isRunning(pid: pid_t) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
        let state = status.split(separator: "\n").first { $0.hasPrefix("State:") }?
            .dropFirst("State:".count).trimmingCharacters(in: .whitespaces)
        return !(state?.hasPrefix("Z") ?? true) && !(state?.hasPrefix("X") ?? true)
    }

    // MARK: - Helpers

    /// Runs `program` and returns its stdout, or throws with everything it printed if it failed.
    private static func runChecked(_ program: String, _ arguments: [String], timeout: Double = 30) throws -> String {
        let run = try CapturedRun.of(program, arguments, timeout: timeout)
        guard run.status == 0 else {
            let command = ([program] + arguments).joined(separator: " ")
            throw Failure.commandFailed(command: command, status: run.status, output: run.stdout + run.stderr)
        }
        return run.stdout
    }

    /// `key=value` lines as a dictionary (the value keeps any further `=`).
    private static func keyValueLines(_ output: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return fields
    }

    /// A port in `range` that nothing listens on at 127.0.0.1 now, tried from a random start so
    /// that concurrent test runs rarely pick the same one.
    private static func freePort(in range: ClosedRange<Int>) throws -> Int {
        let offset = Int.random(in: 0..<range.count)
        for index in 0..<range.count {
            let port = range.lowerBound + (offset + index) % range.count
            if canBind(port: port) { return port }
        }
        throw Failure.noFreePort(range)
    }

    private static func canBind(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
