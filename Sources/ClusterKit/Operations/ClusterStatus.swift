/// `clusterctl status` as a value; its JSON form is `status --output json`.
public struct ClusterStatus: Codable, Sendable {
    public struct Scheduler: Codable, Sendable {
        /// `tcp://host:port`, what `Client(...)` takes.
        public var address: String
        /// Where the dashboard opens.
        public var dashboard: Dashboard
        public var node: String?
        /// The scheduler process runs.
        public var running: Bool
        /// `running`, `stopped`, or `unknown` when its node could not be asked.
        public var state: ServiceState
        /// What the running scheduler says: true when it serves the dashboard pages, false
        /// when bokeh is missing from its environment; nil when it did not say.
        public var dashboardPages: Bool?
        /// The files a client connects with when the cluster runs with TLS (nil: plain TCP).
        public var tls: ClientTLSFiles?
        /// What the running scheduler's lifetime limits leave (nil: it did not say).
        public var lifetime: LifetimeLeft?

        enum CodingKeys: String, CodingKey {
            case address, dashboard, node, running, state, tls, lifetime
            case dashboardPages = "dashboard_pages"
        }
    }

    /// How the scheduler's dashboard is reached from this machine.
    public struct Dashboard: Codable, Sendable {
        /// The page's URL where it opens as it is: the local provider's, or a public
        /// dashboard's. nil (`null` in JSON) when only `command` brings it here (a remote
        /// scheduler's loopback-only dashboard), or before the scheduler started.
        public var url: String?
        /// `clusterctl dashboard NAME`: forwards the dashboard here and prints its local URL.
        public var command: String
        /// `local` (the scheduler node's loopback only) or `public` (`scheduler.dashboard`).
        public var access: DashboardAccess

        public init(url: String?, command: String, access: DashboardAccess) {
            self.url = url
            self.command = command
            self.access = access
        }

        enum CodingKeys: String, CodingKey { case url, command, access }

        /// `url` is written as `null` when there is none, so readers always find the key.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(url, forKey: .url)
            try c.encode(command, forKey: .command)
            try c.encode(access, forKey: .access)
        }
    }

    /// One machine of the cluster.
    public struct Node: Codable, Sendable {
        public var id: String
        public var role: String
        public var phase: String
        public var instanceId: String?
        public var instanceType: String?
        public var publicAddress: String?
        public var privateAddress: String?

        enum CodingKeys: String, CodingKey {
            case id, role, phase
            case instanceId = "instance_id"
            case instanceType = "instance_type"
            case publicAddress = "public_address"
            case privateAddress = "private_address"
        }
    }

    public struct Worker: Codable, Sendable {
        public var name: String
        public var address: String
        public var host: String
        public var nthreads: Int
        public var memoryLimit: UInt64
        public var status: String

        enum CodingKeys: String, CodingKey {
            case name, address, host, nthreads, status
            case memoryLimit = "memory_limit"
        }
    }

    public struct Workers: Codable, Sendable {
        /// Workers the cluster file (or the last `scale`) asks for.
        public var desired: Int
        /// Live workers the scheduler reports.
        public var registered: Int
        public var list: [Worker]
    }

    /// One service clusterctl started.
    public struct Service: Codable, Sendable {
        public var name: String
        public var role: String
        public var node: String
        public var pid: Int32?
        public var running: Bool
        /// `running`, `stopped`, or `unknown` when its node could not be asked.
        public var state: ServiceState
        /// How often its keeper (the supervisor, systemd) restarted it on its own since it was
        /// started (nil: not known).
        public var restarts: Int?
        /// Why it last exited (`killed by SIGKILL`, `exited with status 1`); nil: it has not.
        public var lastExit: String?
        /// Why its keeper stopped restarting it; nil: it has not given up.
        public var gaveUp: String?

        enum CodingKeys: String, CodingKey {
            case name, role, node, pid, running, state, restarts
            case lastExit = "last_exit"
            case gaveUp = "gave_up"
        }
    }

    public var name: String
    public var provider: String
    /// `detached` (clusterctl's supervisor) or `systemd`.
    public var supervisor: String
    /// `up`, `degraded` (something is missing: `up` repairs it), `stopped` (it stopped itself:
    /// a lifetime limit was reached; `up` starts it again) or `down`.
    public var phase: String
    public var scheduler: Scheduler
    public var workers: Workers
    /// The nodes clusterctl recorded (every launched instance, for ec2).
    public var nodes: [Node]
    public var services: [Service]
    public var environment: String?
    public var source: String?
    /// What could not be checked, and why (an unreachable node, a scheduler that does not
    /// answer); empty when everything answered.
    public var problems: [String]
}
