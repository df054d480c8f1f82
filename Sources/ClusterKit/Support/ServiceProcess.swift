/// How clusterctl recognises its own processes.
public enum ServiceProcess {
    /// The environment variable every supervised service carries: `CLUSTER/SERVICE`.
    public static let mark = "CLUSTERCTL_SERVICE"
    /// The variable the detached supervisor's watcher of a service carries: `CLUSTER/SERVICE`.
    public static let watcherMark = "CLUSTERCTL_SUPERVISOR"
}
