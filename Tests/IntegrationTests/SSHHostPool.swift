import Foundation

/// Real OpenSSH servers on distinct loopback addresses (127.0.0.N) sharing one port, each
/// standing for a host, through `Tests/Fixtures/sshd-host`. Stopped by pid in `stop()`.
final class SSHHostPool {
    let directory: URL
    private(set) var port = 0
    let addresses: [String]
    /// The client key every host authorizes.
    let key: String
    private var running: [String] = []
    private let authorized: String

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/sshd-host").path

    /// Starts servers on `addresses`; `spare` more addresses share the port but get no server
    /// until `start(_:)` (an unreachable host, until it is not).
    init(addresses: [String], spare: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("clusterctl-ssh-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        key = directory.appendingPathComponent("id_ed25519").path
        _ = try CapturedRun.of("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "clusterctl-test", "-f", key], timeout: 30)
        authorized = directory.appendingPathComponent("authorized_keys").path
        try FileManager.default.copyItem(atPath: key + ".pub", toPath: authorized)
        self.addresses = addresses
        var chosen = 0
        for _ in 0..<5 {
            let pick = try CapturedRun.of(Self.script, ["port"] + addresses + spare, timeout: 30)
            chosen = Int(pick.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            port = chosen
            if (try? addresses.forEach { try start($0) }) != nil { return }
            stop()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: key + ".pub", toPath: authorized)
        }
        throw StartFailed(address: addresses.joined(separator: ", "), output: "no free port after 5 tries")
    }

    /// A server that would not start.
    struct StartFailed: Error, CustomStringConvertible {
        let address: String
        let output: String
        var description: String { "sshd-host could not start \(address): \(output)" }
    }

    /// Starts the server for `address`.
    func start(_ address: String) throws {
        let run = try CapturedRun.of(Self.script, ["start", hostDirectory(address), address, String(port), authorized], timeout: 60)
        guard run.status == 0 else { throw SSHHostPool.StartFailed(address: address, output: run.all) }
        running.append(address)
    }

    /// Stops the server for `address` (the host becomes unreachable).
    func stop(_ address: String) {
        _ = try? CapturedRun.of(Self.script, ["stop", hostDirectory(address)], timeout: 30)
        running.removeAll { $0 == address }
    }

    /// Stops every server by pid and removes the files.
    func stop() {
        for address in running { stop(address) }
        try? FileManager.default.removeItem(at: directory)
    }

    func hostDirectory(_ address: String) -> String { directory.appendingPathComponent("hosts/\(address)").path }

    /// The host's public key as a known_hosts line.
    func knownHostsLine(_ address: String) throws -> String {
        let fields = try String(contentsOfFile: hostDirectory(address) + "/ssh_host_ed25519_key.pub", encoding: .utf8)
            .split(separator: " ")
        return "[\(address)]:\(port) \(fields[0]) \(fields[1])\n"
    }

    /// A cluster file using these hosts; every host keeps its install under the pool's directory.
    func clusterFile(name: String, scheduler: String, workers: [String], count: Int, perNode: Int = 1,
                     policy: String = "accept-new", knownHosts: String? = nil, extraProvider: String = "") throws -> String {
        let file = directory.appendingPathComponent("\(name).yaml")
        try """
        name: \(name)
        provider:
          kind: ssh
          user: \(NSUserName())
          key: \(key)
          port: \(port)
          host_key_policy: \(policy)
        \(knownHosts.map { "  known_hosts: \($0)\n" } ?? "")  scheduler: \(scheduler)
          workers: [\(workers.joined(separator: ", "))]
          install_dir: \(directory.path)/nodes/{host}
          connect_timeout: 5s
        \(extraProvider)scheduler:
          port: 0
          dashboard_port: 0
        workers:
          count: \(count)
          per_node: \(perNode)
          threads: 1
          memory_limit: 1GiB
        """.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }
}
