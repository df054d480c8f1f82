/// The key names of the cluster file, per section, in the order the resolved spec prints them.
///
/// The loader accepts exactly these and `ResolvedSpecPrinter` writes exactly these.
enum SpecKeys {
    static let top = ["name", "provider", "scheduler", "workers", "environment", "security", "lifetime"]
    static let local = ["kind", "host", "state"]
    static let ssh = ["kind", "user", "key", "port", "known_hosts", "host_key_policy", "scheduler",
                      "workers", "install_dir", "listen_addresses", "connect_timeout", "state"]
    static let ec2 = ["kind", "region", "ami", "scheduler_instance_type", "worker_instance_type", "key", "ssh_user",
                      "subnet", "allowed_cidrs", "spot", "root_volume_size", "iam_instance_profile", "tags",
                      "endpoint_url", "install_dir", "ssh_timeout", "state"]
    static let scheduler = ["port", "dashboard_port", "dashboard", "idle_timeout"]
    static let workers = ["count", "per_node", "threads", "memory_limit"]
    static let environment = ["python", "base", "packages", "match_client", "offline"]
    static let security = ["tls"]
    static let lifetime = ["max", "no_client"]

    /// Sections by the path the messages use, for "belongs under" hints.
    static let sections: [(path: String, keys: [String])] = [
        ("the top level", top), ("scheduler", scheduler), ("workers", workers),
        ("environment", environment), ("security", security), ("lifetime", lifetime), ("provider", local + ssh + ec2),
    ]

    /// Provider kinds this version can run.
    static let providerKinds = ["local", "ssh", "ec2"]
    /// The value `idle_timeout` and the lifetime limits take for "never".
    static let never = "never"
    /// The value `match_client` takes for "no lockstep".
    static let none = "none"
}
