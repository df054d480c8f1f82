import CLibSSH2
import Foundation

/// The advice for RSA keys, which libssh2 1.10 can only sign with SHA-1 (`ssh-rsa`),
/// an algorithm OpenSSH servers refuse by default since 8.8.
let rsaAdvice = "RSA keys need libssh2 >= 1.11; use an ed25519 key (ssh-keygen -t ed25519)"

extension SSHSession {
    /// Public key authentication with the configured key file or ssh-agent.
    func authenticate(deadline: Deadline) throws {
        let user = configuration.user
        var methods: UnsafeMutablePointer<CChar>?
        var acceptedNone = false
        try call(.auth, "asking for the allowed authentication methods", deadline: deadline) {
            methods = libssh2_userauth_list(raw, user, UInt32(user.utf8.count))
            if methods != nil { return 0 }
            acceptedNone = libssh2_userauth_authenticated(raw) != 0
            return acceptedNone ? 0 : Int(libssh2_session_last_errno(raw))
        }
        if acceptedNone { return }
        let offered = methods.map { String(cString: $0) } ?? ""
        guard offered.split(separator: ",").contains("publickey") else {
            throw authFailure("the server does not accept public keys for this user (it offers: \(offered))")
        }
        switch configuration.authentication {
        case .keyFile(let path):
            try authenticate(keyFile: path, deadline: deadline)
        case .agent(let socketPath):
            try authenticateWithAgent(socketPath: socketPath, deadline: deadline)
        }
    }

    private func authenticate(keyFile path: String, deadline: Deadline) throws {
        guard let key = PrivateKeyFile(path: path) else {
            throw authFailure("cannot read the private key file \(path)")
        }
        if key.isEncrypted {
            throw authFailure("the key \(path) is protected by a passphrase; load it into ssh-agent "
                + "(ssh-add \(path)) and leave `key` unset so the agent is used")
        }
        let user = configuration.user
        try call(.auth, "public key authentication", deadline: deadline, failure: { code, message in
            switch code {
            case LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED, LIBSSH2_ERROR_AUTHENTICATION_FAILED:
                if key.isRSA {
                    return self.authFailure("the server refused the RSA key \(path). \(rsaAdvice)")
                }
                return self.authFailure("the server refused the key \(path); add \(path).pub to "
                    + "~\(user)/.ssh/authorized_keys on \(self.configuration.host)")
            default:
                return self.authFailure("could not use the key \(path): \(message)")
            }
        }) {
            Int(cssh_userauth_publickey_fromfile(raw, user, path))
        }
    }

    private func authenticateWithAgent(socketPath: String?, deadline: Deadline) throws {
        guard socketPath != nil || ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"] != nil else {
            throw authFailure("no key file was given and no ssh-agent is running (SSH_AUTH_SOCK is unset): "
                + "set `key:` in the cluster file, or start ssh-agent and ssh-add your key")
        }
        let agent = try callPointer(.auth, "starting the ssh-agent client", deadline: deadline) {
            libssh2_agent_init(raw)
        }
        defer {
            withLockIfOpen {
                libssh2_agent_disconnect(agent)
                libssh2_agent_free(agent)
            }
        }
        if let socketPath { withLockIfOpen { libssh2_agent_set_identity_path(agent, socketPath) } }
        let agentFailure: (Int32, String) -> Error = { _, message in
            self.authFailure("could not talk to ssh-agent: \(message)")
        }
        try call(.auth, "connecting to ssh-agent", deadline: deadline, failure: agentFailure) {
            Int(libssh2_agent_connect(agent))
        }
        try call(.auth, "listing ssh-agent keys", deadline: deadline, failure: agentFailure) {
            Int(libssh2_agent_list_identities(agent))
        }
        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        var triedTypes: [String] = []
        while true {
            var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
            let more = try call(.auth, "reading an ssh-agent key", deadline: deadline, failure: agentFailure) {
                Int(libssh2_agent_get_identity(agent, &identity, previous))
            }
            guard more == 0, let identity else { break }
            previous = identity
            var blob = SSHWireReader([UInt8](UnsafeBufferPointer(start: identity.pointee.blob,
                                                                 count: identity.pointee.blob_len)))
            triedTypes.append(blob.string() ?? "unknown")
            do {
                try call(.auth, "public key authentication with an ssh-agent key", deadline: deadline) {
                    Int(libssh2_agent_userauth(agent, configuration.user, identity))
                }
                return
            } catch SSHError.failed {
                continue
            }
        }
        if triedTypes.isEmpty {
            throw authFailure("ssh-agent holds no keys; add one with ssh-add, or set `key:` in the cluster file")
        }
        let advice = triedTypes.contains("ssh-rsa") ? " \(rsaAdvice)" : ""
        throw authFailure("the server refused all \(triedTypes.count) ssh-agent key(s) "
            + "(\(triedTypes.joined(separator: ", "))).\(advice)")
    }

    fileprivate func authFailure(_ message: String) -> SSHError {
        .authenticationFailed(host: configuration.endpoint, user: configuration.user, message: message)
    }
}
