/// What a provider does for the reconcile step: find nodes, act on them, reach the scheduler.
///
/// `LocalBackend` runs everything on this machine; the SSH provider runs it on a host pool.
/// The planner and reconciler are written once against this protocol.
public protocol ClusterBackend: WorkerPlacement {
    /// The node that runs the scheduler.
    var schedulerNode: String { get }
    /// How services are kept on the nodes: `detached` or `systemd`.
    var supervisorKind: String { get }

    /// Where a scheduler about to start will listen: port 0 resolved to a free port, and a
    /// clear error if a port is taken.
    func endpoint(for spec: ClusterSpec) throws -> SchedulerEndpoint
    /// The scheduler's HTTP API, through a tunnel where needed.
    func schedulerAPI(_ endpoint: SchedulerEndpoint) throws -> SchedulerAPI
    /// Whether each recorded service runs.
    func running(_ services: [ServiceRecord], cluster: String) throws -> Set<String>

    /// Creates or reuses the Python environment on `node`.
    func prepareEnvironment(on node: String, spec: ClusterSpec, report: (String) -> Void) throws
    func startScheduler(_ spec: ClusterSpec, endpoint: SchedulerEndpoint) throws -> ServiceRecord
    func startWorkers(_ spec: ClusterSpec, endpoint: SchedulerEndpoint, service: String, node: String,
                      count: Int) throws -> ServiceRecord
    /// Stops a service and waits until it has exited; succeeds if it was not running.
    func stop(_ service: ServiceRecord, cluster: String) throws

    /// A runner on `node` and the command that prints (or follows) `service`'s log.
    func logSource(for service: ServiceRecord, cluster: String, tail: Int, follow: Bool) throws -> (CommandRunner, String)
    /// Where the environment lives on the scheduler node, for the connect snippet.
    var environmentPath: String? { get }
    /// What the nodes told this backend about themselves, to keep in the state.
    var nodeFacts: [String: NodeFacts] { get }

    /// A runner on `node`, for `clusterctl exec`.
    func runner(for node: String) throws -> CommandRunner
    /// Removes what clusterctl installed on `node` (after its services stopped).
    func purge(_ node: String) throws
}
