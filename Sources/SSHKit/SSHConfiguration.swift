import Foundation

/// How the client proves who it is.
public enum SSHAuthentication: Sendable, Equatable {
    /// A private key file (ed25519 or ECDSA; RSA only where the server still accepts `ssh-rsa`
    /// signatures, because libssh2 1.10 cannot sign with rsa-sha2). Passphrase-protected keys
    /// are not supported: load them into ssh-agent instead.
    case keyFile(String)
    /// The keys held by ssh-agent, reached through `socketPath` or, when nil, `$SSH_AUTH_SOCK`.
    case agent(socketPath: String? = nil)
}

/// What to do with a host whose key is in no known_hosts file. A changed key is always refused.
public enum SSHHostKeyPolicy: String, Sendable, Equatable {
    /// Refuse the host and say how to trust it.
    case strict
    /// Trust it on first use and append its key to the record file.
    case acceptNew = "accept-new"
}

/// Where host keys are looked up and recorded.
public struct SSHHostKeyCheck: Sendable, Equatable {
    public var policy: SSHHostKeyPolicy
    /// Files read in addition to `recordFile`; missing files are skipped.
    /// Usually the user's `~/.ssh/known_hosts` plus any file the cluster names.
    public var knownHostsFiles: [String]
    /// The per-cluster known_hosts file: always read, and where `accept-new` appends.
    public var recordFile: String

    public init(policy: SSHHostKeyPolicy, knownHostsFiles: [String] = [SSHHostKeyCheck.userKnownHostsFile],
                recordFile: String) {
        self.policy = policy
        self.knownHostsFiles = knownHostsFiles
        self.recordFile = recordFile
    }

    /// `~/.ssh/known_hosts` of the user running this process.
    public static var userKnownHostsFile: String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".ssh/known_hosts")
    }

    /// Every file consulted, the record file last.
    var allFiles: [String] { knownHostsFiles.filter { $0 != recordFile } + [recordFile] }
}

/// Everything needed to open one SSH connection.
public struct SSHConfiguration: Sendable, Equatable {
    /// Address or DNS name of the server.
    public var host: String
    public var port: Int
    public var user: String
    public var authentication: SSHAuthentication
    public var hostKeys: SSHHostKeyCheck
    /// Seconds allowed for the TCP connection, handshake, host key check and authentication together.
    public var connectTimeout: Double

    public init(host: String, port: Int = 22, user: String, authentication: SSHAuthentication,
                hostKeys: SSHHostKeyCheck, connectTimeout: Double = 10) {
        self.host = host
        self.port = port
        self.user = user
        self.authentication = authentication
        self.hostKeys = hostKeys
        self.connectTimeout = connectTimeout
    }

    /// `host:port`, as errors show it.
    public var endpoint: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The name OpenSSH files this host under in known_hosts: `host` on port 22, else `[host]:port`.
    var knownHostsName: String { port == 22 ? host : "[\(host)]:\(port)" }
}
