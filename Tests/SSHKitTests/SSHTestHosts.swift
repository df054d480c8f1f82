import Foundation

/// Real OpenSSH servers on 127.0.0.2, 127.0.0.3, ... sharing one port, each standing for a
/// host. A thin wrapper over `Tests/Fixtures/sshd-host`; stopped by pid in `stop()`.
final class SSHTestHosts {
    /// Temporary directory holding client keys and one directory per host.
    let directory: String
    let port: Int
    let addresses: [String]
    /// The login user on every host: whoever runs the tests.
    let user = NSUserName()
    /// Client keys authorized on every host.
    let ed25519Key: String
    let ecdsaKey: String
    let rsaKey: String
    /// A key no host authorizes.
    let strangerKey: String
    /// An empty file to pass where a test must not read the real `~/.ssh/known_hosts`.
    let emptyKnownHosts: String

    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/sshd-host").path

    /// Starts `count` servers (addresses from 127.0.0.`firstAddress` on) on one free port.
    init(count: Int, firstAddress: Int = 2) throws {
        directory = NSTemporaryDirectory() + "sshkit-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addresses = (firstAddress..<firstAddress + count).map { "127.0.0.\($0)" }
        ed25519Key = directory + "/id_ed25519"
        ecdsaKey = directory + "/id_ecdsa"
        rsaKey = directory + "/id_rsa"
        strangerKey = directory + "/id_stranger"
        emptyKnownHosts = directory + "/empty_known_hosts"
        _ = FileManager.default.createFile(atPath: emptyKnownHosts, contents: Data())
        for (path, type) in [(ed25519Key, "ed25519"), (ecdsaKey, "ecdsa"), (rsaKey, "rsa"), (strangerKey, "ed25519")] {
            try Self.run(["ssh-keygen", "-q", "-t", type, "-N", "", "-C", "test", "-f", path])
        }
        let authorized = try [ed25519Key, ecdsaKey, rsaKey]
            .map { try String(contentsOfFile: $0 + ".pub", encoding: .utf8) }.joined()
        let authorizedFile = directory + "/authorized_keys"
        try authorized.write(toFile: authorizedFile, atomically: true, encoding: .utf8)

        var started: [String] = []
        var chosen = 0
        for _ in 0..<5 where started.count < count {
            Self.stop(started)
            started = []
            chosen = Int(try Self.run([Self.script, "port"] + addresses)
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            for address in addresses {
                let hostDirectory = "\(directory)/\(address)"
                do {
                    _ = try Self.run([Self.script, "start", hostDirectory, address, String(chosen), authorizedFile])
                    started.append(hostDirectory)
                } catch let failure as TestProcess.Failure where failure.status == 3 {
                    break  // someone took the port meanwhile: pick another
                } catch {
                    Self.stop(started + [hostDirectory])
                    throw error
                }
            }
        }
        guard started.count == count else {
            Self.stop(started)
            throw TestProcess.Failure(command: "sshd-host start", status: 3, output: "no free port after 5 tries")
        }
        port = chosen
    }

    /// Stops every server by pid and removes the files. Safe to call twice.
    func stop() {
        Self.stop(addresses.map { "\(directory)/\($0)" })
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Adds `publicKeyLine` to the keys every host authorizes (sshd reads the file at each login).
    func authorize(_ publicKeyLine: String) throws {
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/authorized_keys"))
        defer { try? file.close() }
        try file.seekToEnd()
        try file.write(contentsOf: Data((publicKeyLine + "\n").utf8))
    }

    /// The host's public key as a known_hosts line: `[address]:port type base64`.
    func knownHostsLine(for address: String) throws -> String {
        let publicKey = try String(contentsOfFile: "\(directory)/\(address)/ssh_host_ed25519_key.pub", encoding: .utf8)
        let fields = publicKey.split(separator: " ")
        return "[\(address)]:\(port) \(fields[0]) \(fields[1])\n"
    }

    /// The host key's fingerprint as `ssh-keygen -l` prints it (`SHA256:...`).
    func fingerprint(of address: String) throws -> String {
        try Self.fingerprint(ofKeyFile: "\(directory)/\(address)/ssh_host_ed25519_key.pub")
    }

    static func fingerprint(ofKeyFile path: String) throws -> String {
        String(try run(["ssh-keygen", "-l", "-f", path]).split(separator: " ")[1])
    }

    /// Runs a command to completion; throws with its output if it fails.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        try TestProcess.run(arguments)
    }

    private static func stop(_ hostDirectories: [String]) {
        for hostDirectory in hostDirectories {
            _ = try? run([script, "stop", hostDirectory])
        }
    }
}

/// Runs `body` with `count` fresh SSH hosts, stopping them afterwards even if it throws.
func withSSHHosts<T>(_ count: Int = 1, _ body: (SSHTestHosts) throws -> T) throws -> T {
    let hosts = try SSHTestHosts(count: count)
    defer { hosts.stop() }
    return try body(hosts)
}
