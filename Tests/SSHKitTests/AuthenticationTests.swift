import Foundation
import Testing
@testable import SSHKit

@Suite("public key authentication")
struct AuthenticationTests {
    @Test("ed25519 and ECDSA key files log in")
    func supportedKeys() throws {
        try withSSHHosts { hosts throws in
            for key in [hosts.ed25519Key, hosts.ecdsaKey] {
                let session = try SSHSession.connect(hosts.trustedConfiguration(key: key))
                #expect(try session.execute("id -un", timeout: 10).stdoutText == hosts.user + "\n")
                session.close()
            }
        }
    }

    @Test("a key the host does not authorize is refused with an error naming user@host")
    func wrongKey() throws {
        try withSSHHosts { hosts throws in
            let error = thrownError { _ = try SSHSession.connect(hosts.trustedConfiguration(key: hosts.strangerKey)) }
            guard case .authenticationFailed(let host, let user, _)? = error as? SSHError else {
                Issue.record("expected authenticationFailed, got \(String(describing: error))")
                return
            }
            #expect(host == "\(hosts.addresses[0]):\(hosts.port)")
            #expect(user == hosts.user)
            let text = String(describing: error!)
            #expect(text.hasPrefix("\(hosts.user)@\(hosts.addresses[0]):\(hosts.port): ssh auth:"))
            #expect(text.contains("refused the key \(hosts.strangerKey)"))
            #expect(text.contains("authorized_keys"))
        }
    }

    @Test("an RSA key refused by OpenSSH 9 gets the plain libssh2 >= 1.11 / ed25519 advice")
    func rsaKey() throws {
        try withSSHHosts { hosts throws in
            let error = thrownError { _ = try SSHSession.connect(hosts.trustedConfiguration(key: hosts.rsaKey)) }
            #expect((error as? SSHError)?.step == .auth)
            let text = String(describing: error)
            #expect(text.contains("RSA keys need libssh2 >= 1.11; use an ed25519 key (ssh-keygen -t ed25519)"))
        }
    }

    @Test("a missing or passphrase-protected key file is explained")
    func unusableKeyFiles() throws {
        try withSSHHosts { hosts throws in
            let missing = thrownError {
                _ = try SSHSession.connect(hosts.trustedConfiguration(key: hosts.directory + "/nope"))
            }
            #expect(String(describing: missing).contains("cannot read the private key file \(hosts.directory)/nope"))

            let locked = hosts.directory + "/id_locked"
            try SSHTestHosts.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "secret-passphrase", "-f", locked])
            let error = thrownError { _ = try SSHSession.connect(hosts.trustedConfiguration(key: locked)) }
            #expect(String(describing: error).contains("protected by a passphrase"))
            #expect(String(describing: error).contains("ssh-add \(locked)"))
        }
    }

    @Test("without a key file the keys of ssh-agent are used")
    func agent() throws {
        try withSSHHosts { hosts throws in
            let socket = hosts.directory + "/agent.sock"
            let agent = try TestAgent(socket: socket)
            defer { agent.stop() }
            var configuration = try hosts.trustedConfiguration()
            configuration.authentication = .agent(socketPath: socket)

            let empty = thrownError { _ = try SSHSession.connect(configuration) }
            #expect(String(describing: empty).contains("ssh-agent holds no keys"))

            try agent.add(hosts.strangerKey)
            let refused = thrownError { _ = try SSHSession.connect(configuration) }
            #expect(String(describing: refused).contains("refused all 1 ssh-agent key(s) (ssh-ed25519)"))

            try agent.add(hosts.ed25519Key)
            let session = try SSHSession.connect(configuration)
            #expect(try session.execute("echo via agent", timeout: 10).stdoutText == "via agent\n")
            session.close()
        }
    }
}

/// An ssh-agent in the foreground on its own socket, stopped by pid.
struct TestAgent {
    let socket: String
    let pid: pid_t

    init(socket: String) throws {
        self.socket = socket
        pid = try TestProcess.spawn(["ssh-agent", "-D", "-a", socket], outputFile: socket + ".log")
        guard TestProcess.poll(seconds: 10, { FileManager.default.fileExists(atPath: socket) }) else {
            TestProcess.stop(pid)
            throw TestProcess.Failure(command: "ssh-agent", status: -1, output: "no socket at \(socket)")
        }
    }

    func add(_ key: String) throws {
        try TestProcess.run(["env", "SSH_AUTH_SOCK=\(socket)", "ssh-add", "-q", key])
    }

    func stop() {
        TestProcess.stop(pid)
    }
}
