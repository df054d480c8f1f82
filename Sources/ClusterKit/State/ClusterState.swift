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
    /// How services are kept on the scheduler's node.
    public var supervisor: SupervisorKind
    /// Every node in use or being made, the scheduler's first.
    public var nodes: [NodeRecord]
    /// Every service started, the scheduler first.
    public var services: [ServiceRecord]
    /// What each remote node told clusterctl about itself, by node id.
    public var nodeFacts: [String: NodeFacts]?
    /// The worker count `clusterctl scale` set, which the cluster file does not say; nil when
    /// the count is the file's. The next `up FILE` asks before going back to the file's count.
    public var scaledWorkers: Int?
    public var createdAt: Date
    public var updatedAt: Date

    public init(spec: ClusterSpec, endpoint: SchedulerEndpoint, environmentPath: String? = nil,
                supervisor: SupervisorKind = .detached, nodes: [NodeRecord] = [], services: [ServiceRecord] = [],
                createdAt: Date = Date(), updatedAt: Date = Date()) {
        self.spec = spec
        self.endpoint = endpoint
        self.environmentPath = environmentPath
        self.supervisor = supervisor
        self.nodes = nodes
        self.services = services
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var name: String { spec.name }

    /// The scheduler's record, if one was started.
    public var scheduler: ServiceRecord? { services.first { $0.role == .scheduler } }

    /// Worker services, in the order they were started.
    public var workers: [ServiceRecord] { services.filter { $0.role == .worker } }

    /// The node called `id`, if recorded.
    public func node(_ id: String) -> NodeRecord? { nodes.first { $0.id == id } }

    /// Adds `node`, or replaces the record with its id.
    public mutating func upsert(_ node: NodeRecord) {
        if let index = nodes.firstIndex(where: { $0.id == node.id }) {
            nodes[index] = node
        } else {
            nodes.append(node)
        }
    }

    /// Raises the phase of the nodes `ids` to `phase` (never lowers it); returns the nodes changed.
    @discardableResult
    public mutating func advance(_ ids: [String], to phase: NodePhase) -> [NodeRecord] {
        var changed: [NodeRecord] = []
        for index in nodes.indices where ids.contains(nodes[index].id) && nodes[index].phase < phase {
            nodes[index].phase = phase
            changed.append(nodes[index])
        }
        return changed
    }
}

/// How services are kept on a node.
public enum SupervisorKind: String, Codable, Equatable, Sendable {
    /// clusterctl's own detached supervisor.
    case detached
    /// systemd units.
    case systemd
}

/// Addresses of the scheduler: its Dask port for clients and workers, its HTTP port for
/// health, identity and retirement.
public struct SchedulerEndpoint: Codable, Equatable, Sendable {
    /// Address workers connect to, and what the scheduler listens on unless `bindHost` says otherwise.
    public var host: String
    public var port: Int
    public var dashboardPort: Int
    /// Address clients connect to when it differs from `host` (an ec2 scheduler's public address).
    public var publicHost: String?
    /// Address the scheduler listens on when it differs from `host` (`0.0.0.0` on ec2, whose
    /// public address is not on any interface of the instance).
    public var bindHost: String?
    /// True when the scheduler speaks mutual TLS (`tls://`); absent in state written before TLS.
    public var tls: Bool?
    /// Address the scheduler's HTTP server listens on with `scheduler.dashboard: public` (the
    /// host's listen address, or `0.0.0.0` on ec2); nil: the node's loopback only.
    public var dashboardHost: String?

    public init(host: String, port: Int, dashboardPort: Int, publicHost: String? = nil, bindHost: String? = nil,
                tls: Bool = false, dashboardHost: String? = nil) {
        self.host = host
        self.port = port
        self.dashboardPort = dashboardPort
        self.publicHost = publicHost
        self.bindHost = bindHost
        self.tls = tls ? true : nil
        self.dashboardHost = dashboardHost
    }

    /// `tls` or `tcp`.
    public var scheme: String { tls == true ? "tls" : "tcp" }
    /// `tcp://host:port` (or `tls://`), what workers connect to.
    public var address: String { "\(scheme)://\(Self.bracketed(host)):\(port)" }
    /// What `Client(...)` takes.
    public var clientAddress: String { "\(scheme)://\(Self.bracketed(publicHost ?? host)):\(port)" }
    /// The dashboard's URL on the scheduler node: its HTTP server listens on that node's
    /// loopback only (it has no authentication), unless `dashboardHost` says otherwise.
    public var dashboard: String { "http://\(Self.bracketed(dashboardReachHost)):\(dashboardPort)/status" }
    /// What `--dashboard-address` binds: loopback, or `dashboardHost` for a public dashboard.
    public var dashboardBindHost: String { dashboardHost ?? "127.0.0.1" }
    /// Where the scheduler's HTTP server answers on its own node (a tunnel's far end).
    public var dashboardReachHost: String {
        guard let dashboardHost, dashboardHost != "0.0.0.0", dashboardHost != "::" else { return "127.0.0.1" }
        return dashboardHost
    }
    /// A public dashboard's URL for clients (at the address they connect to); nil when the
    /// dashboard is on the node's loopback only.
    public var publicDashboard: String? {
        guard dashboardHost != nil else { return nil }
        let host = publicHost ?? (dashboardReachHost == "127.0.0.1" ? self.host : dashboardReachHost)
        return "http://\(Self.bracketed(host)):\(dashboardPort)/status"
    }

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
    /// The id of the node it runs on (`localhost`, an ssh host as the file names it, an ec2 node id).
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
