import Foundation

/// Real OpenSSH servers on 127.0.0.2, 127.0.0.3, ... sharing one port, through the
/// `Tests/Fixtures/sshd-host` script; stopped by pid in `stop()`. One ed25519 client key,
/// authorized everywhere, and a known_hosts file that trusts every host.
final class SSHHostsFixture: Sendable {
    let directory: String
    let port: Int
    let addresses: [String]
    let user = NSUserName()
    let key: String
    /// Trusts every host of the fixture: `[address]:port ssh-ed25519 ...` lines.
    let knownHosts: String

    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/sshd-host").path

    init(count: Int) throws {
        directory = NSTemporaryDirectory() + "sshrunner-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addresses = (2..<2 + count).map { "127.0.0.\($0)" }
        key = directory + "/id_ed25519"
        knownHosts = directory + "/known_hosts"
        try Self.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key])
        let authorized = directory + "/authorized_keys"
        try FileManager.default.copyItem(atPath: key + ".pub", toPath: authorized)

        var chosen = 0
        var started: [String] = []
        for _ in 0..<5 where started.count < count {
            started.forEach { _ = try? Self.run([Self.script, "stop", $0]) }
            started = []
            chosen = Int(try Self.run([Self.script, "port"] + addresses).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            for address in addresses {
                let hostDirectory = "\(directory)/\(address)"
                do {
                    try Self.run([Self.script, "start", hostDirectory, address, String(chosen), authorized])
                    started.append(hostDirectory)
                } catch let failure as Failure where failure.status == 3 {
                    break  // the port was taken meanwhile: pick another
                } catch {
                    (started + [hostDirectory]).forEach { _ = try? Self.run([Self.script, "stop", $0]) }
                    throw error
                }
            }
        }
        port = chosen
        guard started.count == count else {
            stop()
            throw Failure(command: "sshd-host start", status: 3, output: "no free port after 5 tries")
        }
        let lines = try addresses.map { address -> String in
            let fields = try String(contentsOfFile: "\(directory)/\(address)/ssh_host_ed25519_key.pub", encoding: .utf8)
                .split(separator: " ")
            return "[\(address)]:\(chosen) \(fields[0]) \(fields[1])\n"
        }
        try lines.joined().write(toFile: knownHosts, atomically: true, encoding: .utf8)
    }

    /// Stops every server by pid and removes the files.
    func stop() {
        addresses.forEach { _ = try? Self.run([Self.script, "stop", "\(directory)/\($0)"]) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    struct Failure: Error {
        var command: String
        var status: Int32
        var output: String
    }

    /// Runs a command with posix_spawn (signals unblocked, output to a file) and waits by pid.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let outputFile = NSTemporaryDirectory() + "sshrunner-run-" + UUID().uuidString
        defer { unlink(outputFile) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        var all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ) == 0 else {
            throw Failure(command: arguments[0], status: -1, output: "cannot start")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
        let exit = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard exit == 0 else { throw Failure(command: arguments.joined(separator: " "), status: exit, output: output) }
        return output
    }
}
