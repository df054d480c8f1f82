/// Keeps long-running services on one node: starts them detached from the command that
/// asked, stops them, says which run, and names the command that shows their logs.
///
/// `DetachedKeeper` is clusterctl's own supervisor (the local provider, and nodes without
/// systemd); `SystemdKeeper` installs systemd units. Both act only through a `CommandRunner`.
public protocol ServiceKeeper {
    /// How it keeps services, as `status` shows it.
    var kind: SupervisorKind { get }
    /// A shell command that places what the keeper needs on the node (directories, scripts);
    /// run once per node, in the same round trip as the environment bootstrap.
    func installCommand() throws -> String
    /// Starts `service` unless it already runs; returns its main pid if known.
    func start(_ service: String, role: ServiceRole, argv: [String], environment: [String: String]) throws -> Int32?
    /// Stops `service` and waits until it has exited; succeeds if it was not running.
    func stop(_ service: String, role: ServiceRole) throws
    /// Which of `services` run, in one round trip.
    func running(_ services: [(name: String, role: ServiceRole)]) throws -> Set<String>
    /// A shell command printing the last `tail` lines of `service`'s log, following it if asked.
    func logCommand(_ service: String, role: ServiceRole, tail: Int, follow: Bool) -> String
    /// Removes what `install` and `start` left behind (after `stop`).
    func purge() throws
}
