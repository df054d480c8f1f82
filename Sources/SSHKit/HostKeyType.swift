import CLibSSH2

/// A host key algorithm libssh2 1.10 can verify, with the names each party uses for it.
struct HostKeyType: Equatable {
    /// Name in known_hosts lines and SSH negotiation (`ssh-ed25519`).
    let sshName: String
    /// Name in messages, as `ssh-keygen -l` prints it (`ED25519`).
    let display: String
    /// The `LIBSSH2_KNOWNHOST_KEY_*` bits for this type.
    let knownHostBits: Int32
    /// The `LIBSSH2_HOSTKEY_TYPE_*` value libssh2 reports for a presented key.
    let sessionType: Int32

    /// In the order OpenSSH's client prefers them.
    static let all: [HostKeyType] = [
        HostKeyType(sshName: "ssh-ed25519", display: "ED25519",
                    knownHostBits: LIBSSH2_KNOWNHOST_KEY_ED25519, sessionType: LIBSSH2_HOSTKEY_TYPE_ED25519),
        HostKeyType(sshName: "ecdsa-sha2-nistp256", display: "ECDSA",
                    knownHostBits: LIBSSH2_KNOWNHOST_KEY_ECDSA_256, sessionType: LIBSSH2_HOSTKEY_TYPE_ECDSA_256),
        HostKeyType(sshName: "ecdsa-sha2-nistp384", display: "ECDSA",
                    knownHostBits: LIBSSH2_KNOWNHOST_KEY_ECDSA_384, sessionType: LIBSSH2_HOSTKEY_TYPE_ECDSA_384),
        HostKeyType(sshName: "ecdsa-sha2-nistp521", display: "ECDSA",
                    knownHostBits: LIBSSH2_KNOWNHOST_KEY_ECDSA_521, sessionType: LIBSSH2_HOSTKEY_TYPE_ECDSA_521),
        HostKeyType(sshName: "ssh-rsa", display: "RSA",
                    knownHostBits: LIBSSH2_KNOWNHOST_KEY_SSHRSA, sessionType: LIBSSH2_HOSTKEY_TYPE_RSA),
    ]

    static func forSession(type: Int32) -> HostKeyType? {
        all.first { $0.sessionType == type }
    }
}
