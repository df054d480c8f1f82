/// How clusterctl logs in to a remote node: the part of SSH that the `ssh` and `ec2`
/// providers share. The ssh provider reads it from the cluster file; the ec2 provider makes
/// it from `ssh_user`, its key and the cluster's own known_hosts.
public struct SSHAccess: Codable, Equatable, Sendable {
    /// Login user.
    public var user: String
    /// Private key file (absolute path); nil means ssh-agent.
    public var key: String?
    /// SSH port of every node.
    public var port: Int
    /// Extra known_hosts file to read (the user's `~/.ssh/known_hosts` is always read).
    public var knownHosts: String?
    public var hostKeyPolicy: HostKeyPolicy
    /// Seconds to wait for a TCP connection and SSH handshake.
    public var connectTimeout: Double
    /// Whether the user's `~/.ssh/known_hosts` is read too; not for cloud nodes, whose addresses
    /// earlier belonged to other machines.
    public var readsUserKnownHosts: Bool

    public init(user: String, key: String? = nil, port: Int = 22, knownHosts: String? = nil,
                hostKeyPolicy: HostKeyPolicy = .strict, connectTimeout: Double = 10, readsUserKnownHosts: Bool = true) {
        self.readsUserKnownHosts = readsUserKnownHosts
        self.user = user
        self.key = key
        self.port = port
        self.knownHosts = knownHosts
        self.hostKeyPolicy = hostKeyPolicy
        self.connectTimeout = connectTimeout
    }
}
