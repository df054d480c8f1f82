/// The unprivileged user the Dask services run as on a node where clusterctl may become root
/// (it logs in as root or has passwordless sudo): a system user with no login shell and no
/// home, made by the environment bootstrap (`templates/bootstrap/environment.sh`) if missing.
/// A client that reaches the scheduler can run code as this user, not as root.
///
/// The services read the environment and the runtime directory and write only their own
/// directories: the workers' work directory and, for the TLS files, nothing (they are the
/// user's, 0700). Where the login user has no privilege, there is no service account: the
/// services run as the login user.
public struct ServiceAccount: Equatable, Sendable {
    /// The user clusterctl makes on privileged nodes.
    public static let defaultName = "clusterctl"

    /// User and group name (one of each, the same name).
    public let user: String
    /// `sudo -n ` when the login user is not root, else empty.
    public let sudo: String
    /// For nodes whose services are systemd units: the units' `User=`, `Group=` and sandbox as
    /// `Key=Value` properties, so the bootstrap checks the environment in the same sandbox
    /// (`systemd-run -p ...`). Nil where the detached supervisor runs them (checked with `setpriv`).
    public let systemdProperties: [String]?

    public init(user: String = ServiceAccount.defaultName, sudo: String, systemdProperties: [String]?) {
        self.user = user
        self.sudo = sudo
        self.systemdProperties = systemdProperties
    }

    /// One shell command making the services' own directories (each `0700`, owned by the
    /// service user), with `sudo` when needed.
    func directoriesCommand(_ directories: [String]) -> String {
        sudo + ShellQuote.join(["install", "-d", "-m", "0700", "-o", user, "-g", user] + directories)
    }
}
