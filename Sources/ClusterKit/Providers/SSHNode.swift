import Foundation

/// What clusterctl learned about one SSH host on first contact, and where it keeps things there.
struct SSHNode {
    let host: String
    let runner: CommandRunner
    /// `<install_dir>` with `{host}` replaced and `~` resolved on the host.
    let installDirectory: String
    let keeper: ServiceKeeper
    /// What the host said about itself, from which the rest was decided.
    let facts: NodeFacts

    var environmentDirectory: String { installDirectory + "/env" }
    var runtimeDirectory: String { installDirectory + "/run" }
    var logDirectory: String { installDirectory + "/logs" }
    /// Wheels fetched by the machine running clusterctl (`environment.offline`).
    var wheelhouseDirectory: String { installDirectory + "/wheelhouse" }
    /// Holds the node's TLS files (CA certificate, its certificate and key), readable by the
    /// services' user only.
    var tlsDirectory: String { installDirectory + "/tls" }
    /// The workers' own directory (their `--local-directory`: spilled data, scratch files), the
    /// only one they may write besides a private /tmp; owned by the services' user, 0700.
    var workDirectory: String { installDirectory + "/work" }
    /// The unprivileged user the Dask services run as where the login user is root or has
    /// passwordless sudo (`ServiceAccount.defaultName`, made by the bootstrap); nil where it
    /// has neither, and the services run as the login user.
    var serviceUser: String? { serviceAccount?.user }
    /// Who the services run as and how that is checked, where clusterctl makes a user for them.
    let serviceAccount: ServiceAccount?
    /// `sudo -n ` when the login user is not root but may become it, else empty.
    let sudo: String

    /// Asks the host who we are there and whether systemd runs, in one round trip.
    static func probe(host: String, runner: CommandRunner) throws -> NodeFacts {
        let script = """
        id -u
        printf '%s\\n' "$HOME"
        if [ -d /run/systemd/system ]; then echo systemd; else echo none; fi
        if [ "$(id -u)" = 0 ]; then echo root; elif sudo -n true 2>/dev/null; then echo sudo; else echo user; fi
        """
        let result = try runner.run(script, timeout: 30)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard result.exitCode == 0, lines.count >= 4, let privilege = Privilege(rawValue: lines[3]) else {
            throw ClusterError("\(host): could not inspect the host", details: result.tail())
        }
        return NodeFacts(uid: lines[0], home: lines[1], systemd: lines[2] == "systemd", privilege: privilege)
    }

    /// The node as `facts` describe it: where things go, and the service keeper — systemd units
    /// when systemd is PID 1 and we are root or have passwordless sudo, else clusterctl's
    /// detached supervisor. With `powerOffWhenEnded` (instances clusterctl launched), the units
    /// power the node off once the cluster's lifetime ended.
    init(host: String, runner: CommandRunner, facts: NodeFacts, cluster: String, user: String, installDir: String?,
         python: String, powerOffWhenEnded: Bool = false) {
        let isRoot = facts.uid == "0"
        let defaultDirectory = isRoot ? "/opt/clusterctl/\(cluster)" : "\(facts.home)/.local/share/clusterctl/\(cluster)"
        var directory = (installDir ?? defaultDirectory).replacingOccurrences(of: "{host}", with: host)
        if directory == "~" || directory.hasPrefix("~/") { directory = facts.home + directory.dropFirst() }
        self.host = host
        self.runner = runner
        self.facts = facts
        let sudo = facts.privilege == .sudo ? "sudo -n " : ""
        self.sudo = sudo
        installDirectory = directory
        let serviceUser: String? = facts.privilege == .user ? nil : ServiceAccount.defaultName
        if facts.systemd && facts.privilege != .user {
            let systemd = SystemdKeeper(runner: runner, cluster: cluster, runtimeDirectory: directory + "/run",
                                        sudo: facts.privilege == .sudo, user: serviceUser, installDirectory: directory,
                                        powerOffWhenEnded: powerOffWhenEnded)
            keeper = systemd
            serviceAccount = serviceUser.map { ServiceAccount(user: $0, sudo: sudo, systemdProperties: systemd.checkProperties) }
        } else {
            keeper = DetachedKeeper(runner: runner, cluster: cluster, python: python,
                                    runtimeDirectory: directory + "/run", logDirectory: directory + "/logs",
                                    serviceUser: serviceUser, sudo: facts.privilege == .sudo,
                                    environmentPython: directory + "/env/bin/python")
            serviceAccount = serviceUser.map { ServiceAccount(user: $0, sudo: sudo, systemdProperties: nil) }
        }
    }

    /// Makes (or reuses) the node's environment and, in the same round trip, the service user
    /// (checked to import distributed from it where the services run), the services' own
    /// directories and the keeper's files, then runs `then` (the node's first service starts);
    /// returns what it all printed. `input` is for `then` to read on its standard input (what
    /// runs before it reads none). Wheels for `environment.offline` reach `wheelhouseDirectory`
    /// as `delivery` says.
    @discardableResult
    func prepareEnvironment(_ spec: EnvironmentSpec, then followUp: String? = nil, input: Data? = nil, delivery: WheelDelivery,
                            onStep: (String) -> Void) throws -> String {
        var layout = ShellQuote.join(["mkdir", "-p", "-m", "0700", workDirectory, tlsDirectory])
        if let serviceAccount {
            layout = serviceAccount.directoriesCommand([workDirectory, tlsDirectory])
        }
        return try EnvironmentInstaller(runner: runner).prepare(
            spec, directory: environmentDirectory, allowSystemInstall: true, serviceAccount: serviceAccount,
            then: "echo 'clusterctl-step: service directories' && { " + layout + " && " + (try keeper.installCommand())
                + "; } </dev/null" + (followUp.map { " && " + $0 } ?? ""),
            input: input, wheels: wheelhouseDirectory, delivery: delivery, onStep: onStep).output
    }
}

/// What a host told clusterctl about itself; kept in the cluster's state so later commands
/// need not ask again (`down --purge` forgets it).
public struct NodeFacts: Codable, Equatable, Sendable {
    /// The login user's uid on the host.
    public var uid: String
    public var home: String
    /// systemd runs as PID 1.
    public var systemd: Bool
    public var privilege: Privilege
}

/// What the login user may do on a host.
public enum Privilege: String, Codable, Equatable, Sendable {
    /// The login user is root.
    case root
    /// Passwordless sudo.
    case sudo
    /// Neither: services run under clusterctl's own supervisor as that user.
    case user
}
