import Foundation

/// What clusterctl has created for one cluster: the spec it was created from and every
/// service it started. Stored as `<home>/<name>/state.json`. Holds no secrets.
public struct ClusterState: Codable, Equatable, Sendable {
    /// The resolved spec the cluster was last converged to.
    public var spec: ClusterSpec
    /// Where the scheduler can be reached once it runs.
    public var endpoint: SchedulerEndpoint
    /// Python environment on this machine (local provider).
    public var environmentPath: String?
    /// How services are kept: `detached` (clusterctl's supervisor) or `systemd`.
    public var supervisor: String
    /// Every service started, the scheduler first.
    public var services: [ServiceRecord]
    /// What each remote node told clusterctl about itself (ssh), by host.
    public var nodeFacts: [String: NodeFacts]?
    public var createdAt: Date
    public var updatedAt: Date

    public init(spec: ClusterSpec, endpoint: SchedulerEndpoint, environmentPath: String? = nil,
                supervisor: String = "detached", services: [ServiceRecord] = [],
                createdAt: Date = Date(), updatedAt: Date = Date()) {
        self.spec = spec
        self.endpoint = endpoint
        self.environmentPath = environmentPath
        self.supervisor = supervisor
        self.services = services
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var name: String { spec.name }

    /// The scheduler's record, if one was started.
    public var scheduler: ServiceRecord? { services.first { $0.role == .scheduler } }

    /// Worker services, in the order they were started.
    public var workers: [ServiceRecord] { services.filter { $0.role == .worker } }
}

/// Addresses of the scheduler: its Dask port for clients and workers, its HTTP port for
/// health, identity and retirement.
public struct SchedulerEndpoint: Codable, Equatable, Sendable {
    /// Address the scheduler listens on (and clients connect to).
    public var host: String
    public var port: Int
    public var dashboardPort: Int

    public init(host: String, port: Int, dashboardPort: Int) {
        self.host = host
        self.port = port
        self.dashboardPort = dashboardPort
    }

    /// `tcp://host:port`, what `Client(...)` takes.
    public var address: String { "tcp://\(Self.bracketed(host)):\(port)" }
    /// The dashboard's URL on the scheduler node: its HTTP server listens on that node's
    /// loopback only (it has no authentication).
    public var dashboard: String { "http://127.0.0.1:\(dashboardPort)/status" }

    static func bracketed(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }
}

/// What a service does in the cluster.
public enum ServiceRole: String, Codable, Equatable, Sendable {
    case scheduler, worker
}

/// One long-running process (or unit) that clusterctl started on a node.
public struct ServiceRecord: Codable, Equatable, Sendable {
    /// Unique within the cluster: `scheduler`, or the Dask worker name prefix, e.g. `dev-w0`.
    public var name: String
    public var role: ServiceRole
    /// The node it runs on, as the user knows it (`localhost` or a host address).
    public var node: String
    /// Process id of the supervised process, for the detached supervisor.
    public var pid: Int32?
    /// Dask workers this service runs (`--nworkers`); 0 for the scheduler.
    public var workerCount: Int
    /// File its output goes to, for the detached supervisor.
    public var logPath: String?
    /// Dask workers of this service that were retired by a scale-down.
    public var retired: [String]

    public init(name: String, role: ServiceRole, node: String, pid: Int32? = nil,
                workerCount: Int = 0, logPath: String? = nil, retired: [String] = []) {
        self.name = name
        self.role = role
        self.node = node
        self.pid = pid
        self.workerCount = workerCount
        self.logPath = logPath
        self.retired = retired
    }

    /// Names of the Dask workers this service should have registered.
    public var liveWorkerNames: [String] {
        DaskCommands.workerNames(service: name, workerCount: workerCount).filter { !retired.contains($0) }
    }
}
