import Foundation
@testable import SSHKit

extension SSHTestHosts {
    /// A configuration for `address` with the ed25519 key and the host already trusted
    /// through a per-test known_hosts file (the real `~/.ssh/known_hosts` is never read).
    func trustedConfiguration(_ address: String? = nil, key: String? = nil) throws -> SSHConfiguration {
        let address = address ?? addresses[0]
        let knownHosts = "\(directory)/known_hosts-\(address)"
        if !FileManager.default.fileExists(atPath: knownHosts) {
            try knownHostsLine(for: address).write(toFile: knownHosts, atomically: true, encoding: .utf8)
        }
        return configuration(address, key: key ?? ed25519Key, policy: .strict, recordFile: knownHosts)
    }

    /// A configuration reading only `recordFile` (plus the empty stand-in for the user's file).
    func configuration(_ address: String, key: String? = nil, policy: SSHHostKeyPolicy,
                       recordFile: String) -> SSHConfiguration {
        SSHConfiguration(
            host: address, port: port, user: user,
            authentication: key.map { .keyFile($0) } ?? .agent(),
            hostKeys: SSHHostKeyCheck(policy: policy, knownHostsFiles: [emptyKnownHosts], recordFile: recordFile),
            connectTimeout: 10)
    }

    /// An open session to `address` (default: the first host) with the ed25519 key.
    func connect(_ address: String? = nil) throws -> SSHSession {
        try SSHSession.connect(trustedConfiguration(address))
    }
}

/// Captures the error `body` throws, for checks on its text.
func thrownError(_ body: () throws -> Void) -> Error? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}
