/// Makes the backend that serves a spec's provider.
public enum Backends {
    /// The backend for `spec`, continuing from `state` if the cluster exists.
    public static func make(for spec: ClusterSpec, homes: Homes, state: ClusterState?) throws -> ClusterBackend {
        switch spec.provider {
        case .local:
            return LocalBackend(spec: spec, homes: homes, environmentPath: state?.environmentPath)
        case .ssh(let ssh):
            let directory = try StateStore(homes: homes).directory(for: spec.name)
            let knownHosts = directory.appendingPathComponent("known_hosts").path
            return SSHBackend(spec: spec, ssh: ssh, facts: state?.nodeFacts ?? [:]) { host in
                let runner = SSHRunner(host: host, spec: ssh, clusterKnownHosts: knownHosts)
                try runner.connect()
                return runner
            }
        }
    }
}
