import Foundation
import Testing
@testable import SSHKit

@Suite("host key verification against known_hosts")
struct HostKeyTests {
    @Test("a changed host key is refused under either policy, showing both SHA256 fingerprints")
    func changedKeyRefused() throws {
        try withSSHHosts { hosts throws in
            let address = hosts.addresses[0]
            // Record another ed25519 key for this host, as if the host had been replaced.
            let impostor = hosts.directory + "/impostor"
            try SSHTestHosts.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", impostor])
            let impostorKey = try String(contentsOfFile: impostor + ".pub", encoding: .utf8).split(separator: " ")
            let knownHosts = hosts.directory + "/known_hosts"
            try "[\(address)]:\(hosts.port) \(impostorKey[0]) \(impostorKey[1])\n"
                .write(toFile: knownHosts, atomically: true, encoding: .utf8)
            let recorded = try SSHTestHosts.fingerprint(ofKeyFile: impostor + ".pub")
            let presented = try hosts.fingerprint(of: address)

            for policy in [SSHHostKeyPolicy.strict, .acceptNew] {
                let error = thrownError {
                    _ = try SSHSession.connect(hosts.configuration(address, key: hosts.ed25519Key,
                                                                   policy: policy, recordFile: knownHosts))
                }
                guard case .hostKeyChanged(_, let known, let shown, _, let file, _)? = error as? SSHError else {
                    Issue.record("expected hostKeyChanged, got \(String(describing: error))")
                    continue
                }
                #expect(known == recorded)
                #expect(shown == presented)
                #expect(file == knownHosts)
                let text = String(describing: error!)
                #expect(text.contains(recorded) && text.contains(presented))
                #expect(text.contains("HOST KEY CHANGED"))
                #expect(text.contains("ssh-keygen -R '[\(address)]:\(hosts.port)'"))
            }
            // accept-new must not have recorded the new key next to the old one.
            #expect(try String(contentsOfFile: knownHosts, encoding: .utf8).split(separator: "\n").count == 1)
        }
    }

    @Test("an unknown host is refused under strict with a message that says how to trust it")
    func unknownRefusedWhenStrict() throws {
        try withSSHHosts { hosts throws in
            let address = hosts.addresses[0]
            let knownHosts = hosts.directory + "/cluster/known_hosts"
            let error = thrownError {
                _ = try SSHSession.connect(hosts.configuration(address, key: hosts.ed25519Key,
                                                               policy: .strict, recordFile: knownHosts))
            }
            guard case .unknownHostKey(_, let fingerprint, _, _, _)? = error as? SSHError else {
                Issue.record("expected unknownHostKey, got \(String(describing: error))")
                return
            }
            #expect(try fingerprint == hosts.fingerprint(of: address))
            let text = String(describing: error!)
            #expect(text.contains("host_key_policy: accept-new"))
            #expect(text.contains("ssh-keyscan -t ssh-ed25519 -p \(hosts.port) \(address) >> \(knownHosts)"))
            #expect(!FileManager.default.fileExists(atPath: knownHosts))
        }
    }

    @Test("accept-new records an unknown host in the per-cluster file, and strict accepts it next time")
    func acceptNewRecords() throws {
        try withSSHHosts { hosts throws in
            let address = hosts.addresses[0]
            let knownHosts = hosts.directory + "/cluster/known_hosts"
            let first = try SSHSession.connect(hosts.configuration(address, key: hosts.ed25519Key,
                                                                   policy: .acceptNew, recordFile: knownHosts))
            first.close()
            let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
            #expect(try recorded == hosts.knownHostsLine(for: address))
            let attributes = try FileManager.default.attributesOfItem(atPath: knownHosts)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)

            let second = try SSHSession.connect(hosts.configuration(address, key: hosts.ed25519Key,
                                                                    policy: .strict, recordFile: knownHosts))
            #expect(try second.execute("echo ok", timeout: 10).stdoutText == "ok\n")
            second.close()
            // Known now: accept-new does not append it a second time.
            try SSHSession.connect(hosts.configuration(address, key: hosts.ed25519Key,
                                                       policy: .acceptNew, recordFile: knownHosts)).close()
            #expect(try String(contentsOfFile: knownHosts, encoding: .utf8) == recorded)
        }
    }

    @Test("hashed known_hosts entries from ssh-keyscan -H in the user's file are honoured")
    func hashedEntries() throws {
        try withSSHHosts { hosts throws in
            let address = hosts.addresses[0]
            // (ssh-keyscan's "# host SSH-2.0-..." banner comment comes along; it is skipped too.)
            let scanned = try SSHTestHosts.run(["ssh-keyscan", "-H", "-t", "ed25519", "-p", String(hosts.port), address])
            let hashed = scanned.split(separator: "\n").filter { $0.hasPrefix("|1|") }
            #expect(hashed.count == 1 && !hashed[0].contains(address))
            let userFile = hosts.directory + "/user_known_hosts"
            try ("# a comment, a marker line and a broken line are skipped\n"
                + "@cert-authority *.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGarbage\nnot a valid line\n"
                + scanned).write(toFile: userFile, atomically: true, encoding: .utf8)
            let configuration = SSHConfiguration(
                host: address, port: hosts.port, user: hosts.user, authentication: .keyFile(hosts.ed25519Key),
                hostKeys: SSHHostKeyCheck(policy: .strict, knownHostsFiles: [userFile],
                                          recordFile: hosts.directory + "/cluster_known_hosts"))
            let session = try SSHSession.connect(configuration)
            #expect(try session.execute("echo hashed", timeout: 10).stdoutText == "hashed\n")
            session.close()
        }
    }

    @Test("a plain `host` entry does not vouch for the same address on another port")
    func portMatters() throws {
        try withSSHHosts { hosts throws in
            let address = hosts.addresses[0]
            let line = try hosts.knownHostsLine(for: address)
            let knownHosts = hosts.directory + "/known_hosts"
            // Strip "[address]:port" down to "address": that entry is for port 22 only.
            try line.replacingOccurrences(of: "[\(address)]:\(hosts.port)", with: address)
                .write(toFile: knownHosts, atomically: true, encoding: .utf8)
            let error = thrownError {
                _ = try SSHSession.connect(hosts.configuration(address, key: hosts.ed25519Key,
                                                               policy: .strict, recordFile: knownHosts))
            }
            #expect((error as? SSHError)?.step == .hostKey)
            if case .unknownHostKey? = error as? SSHError {} else {
                Issue.record("expected unknownHostKey, got \(String(describing: error))")
            }
        }
    }
}
