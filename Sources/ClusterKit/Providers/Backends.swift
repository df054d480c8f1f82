/// Makes the backend that serves a spec's provider.
public enum Backends {
    /// The backend for `spec`, continuing from `state` if the cluster exists.
    public static func make(for spec: ClusterSpec, homes: Homes, state: ClusterState?) throws -> ClusterBackend {
        switch spec.provider {
        case .local:
            return LocalBackend(spec: spec, homes: homes, environmentPath: state?.environmentPath)
        case .ssh:
            throw ClusterError("the ssh provider is not available in this build yet")
        }
    }
}
