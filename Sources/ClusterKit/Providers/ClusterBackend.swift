/// What a provider does for the reconcile step, in three parts: where nodes come from
/// (`nodeProvider`), what is done on a node (`NodeAccess`), and the Dask services
/// (`ServiceControl`), plus where new workers go (`WorkerPlacement`).
///
/// `LocalBackend` runs everything on this machine; `SSHBackend` runs it on nodes reached over
/// SSH, whichever `NodeProvider` made them. The planner and reconciler are written once
/// against this protocol.
public protocol ClusterBackend: WorkerPlacement, NodeAccess, ServiceControl, Sendable {
    /// Where the nodes come from.
    var nodeProvider: NodeProvider { get }
}

extension ClusterBackend {
    /// The node that runs the scheduler.
    public var schedulerNode: String { nodeProvider.schedulerNodeId }
}

/// Acting on one node: reaching it, its Python environment, a shell for `exec`, clean-up.
public protocol NodeAccess {
    /// Hands over nodes (with their addresses) that the backend may act on.
    func use(_ nodes: [NodeRecord])
    /// Connects to node `id` (waiting for it where it was just launched) and learns about it.
    func reach(_ id: String) throws
    /// Creates or reuses the Python environment on node `id`.
    func prepareEnvironment(on id: String, spec: ClusterSpec, report: (String) -> Void) throws
    /// Where the environment lives on the scheduler node, for the connect snippet.
    var environmentPath: String? { get }
    /// What the nodes told this backend about themselves, to keep in the state.
    var nodeFacts: [String: NodeFacts] { get }
    /// A runner on node `id`, for `clusterctl exec`.
    func runner(for id: String) throws -> CommandRunner
    /// Removes what clusterctl installed on node `id` (after its services stopped).
    func purge(_ id: String) throws
    /// The addresses node `id` is reached at, named in its TLS certificate.
    func certificateAddresses(of id: String) throws -> [String]
    /// Puts TLS files on node `id` (as a service start does; directly for renewal and rotation).
    func installTLS(_ files: NodeTLSFiles, on id: String) throws -> NodeTLSPaths
}

/// The Dask services: where the scheduler listens, starting and stopping services, which run,
/// their logs, and the scheduler's HTTP API.
public protocol ServiceControl {
    /// How services are kept on the scheduler's node.
    var supervisorKind: SupervisorKind { get }
    /// Where a scheduler about to start will listen: port 0 resolved to a free port, and a
    /// clear error if a port is taken.
    func endpoint(for spec: ClusterSpec) throws -> SchedulerEndpoint
    /// The scheduler's HTTP API, through a tunnel where needed.
    func schedulerAPI(_ endpoint: SchedulerEndpoint) throws -> SchedulerAPI
    /// Whether each recorded service runs; a service whose node cannot be asked is unknown.
    func states(of services: [ServiceRecord], cluster: String) throws -> ServiceStates
    func startScheduler(_ spec: ClusterSpec, endpoint: SchedulerEndpoint) throws -> ServiceRecord
    func startWorkers(_ spec: ClusterSpec, endpoint: SchedulerEndpoint, service: String, node: String,
                      count: Int) throws -> ServiceRecord
    /// After some workers of `service` retired (its `retired`), makes its keeper's next
    /// restart of it start only the live ones, under their names; what runs is left alone.
    func redefineWorkers(_ spec: ClusterSpec, endpoint: SchedulerEndpoint, service: ServiceRecord) throws
    /// Stops a service and waits until it has exited; succeeds if it was not running.
    func stop(_ service: ServiceRecord, cluster: String) throws
    /// A runner on the service's node and the command that prints (or follows) its log.
    func logSource(for service: ServiceRecord, cluster: String, tail: Int, follow: Bool) throws -> (CommandRunner, String)
}

/// One service a node starts right after its environment is ready (see `CombinedStarts`).
public enum ServiceStart: Equatable, Sendable {
    case scheduler
    case workers(service: String, count: Int)
}

/// A backend that prepares a node's environment and starts that node's services in one
/// round trip (SSH nodes, where each command costs a network round trip and a login shell).
/// The reconciler uses it for every node whose services start right after its environment.
public protocol CombinedStarts {
    /// Connects to node `id` if needed, prepares its environment, then starts `starts` there,
    /// all in one remote command, and returns their records. `endpoint` is where the scheduler
    /// listens; it is asked for once the node is otherwise ready (it may still be being
    /// settled on the scheduler's node). `report` hears the steps.
    func prepareAndStart(on id: String, spec: ClusterSpec, starts: [ServiceStart],
                         endpoint: () throws -> SchedulerEndpoint, report: (String) -> Void) throws -> [ServiceRecord]
}
