/// Where a cluster's machines come from, in the spirit of Ray's NodeProvider: a handful of
/// verbs is all a cloud needs to implement. `FixedNodes` serves machines that already exist
/// (this machine, an SSH pool); `EC2Nodes` launches and terminates instances.
///
/// Planning asks it for node ids and plan lines only (no calls to the outside); applying a
/// plan calls the other verbs.
public protocol NodeProvider: AnyObject, Sendable {
    /// True when nodes are made on demand, and cost money while they run (ec2).
    var makesNodes: Bool { get }
    /// The id of the node that runs the scheduler.
    var schedulerNodeId: String { get }
    /// Ids of `count` worker nodes not in `used`, in order; a fixed pool throws when it has too few.
    func newWorkerNodeIds(count: Int, used: Set<String>) throws -> [String]

    /// What the cluster needs besides its nodes (security group and rules, key pair), one plan
    /// line each; empty when there is nothing to make.
    func sharedResourceLines() throws -> [String]
    /// Creates or reuses the shared resources; idempotent.
    func ensureSharedResources(report: (String) -> Void) throws
    /// Deletes the shared resources once no node uses them; idempotent.
    func deleteSharedResources(report: (String) -> Void) throws

    /// The instance type and image a node of `role` gets, and its estimated cost per hour
    /// (nil: unknown), for plans.
    func launchDescription(for role: NodeRole) throws -> (instanceType: String, image: String, hourlyCost: Double?)
    /// Launches `nodes` (all of one role, phase `requested`, sharing one client token) in one
    /// call, adopting instances an interrupted earlier launch with that token already made.
    /// Returns the records with their instance ids.
    func create(_ nodes: [NodeRecord]) throws -> [NodeRecord]
    /// Waits until `nodes` run; returns them with their addresses, phase `running`.
    func waitUntilRunning(_ nodes: [NodeRecord], report: (String) -> Void) throws -> [NodeRecord]
    /// Terminates `nodes` and waits until they are gone; succeeds for nodes already gone.
    func terminate(_ nodes: [NodeRecord], report: (String) -> Void) throws
    /// The cluster's nodes that exist now, whatever the local state says (ec2: found by tag).
    func list() throws -> [NodeRecord]
    /// Ids of the nodes that are up or coming up (ec2: pending or running instances).
    func liveNodeIds() throws -> Set<String>
    /// Records that `nodes` reached `phase` where the provider keeps phases (ec2: a tag),
    /// in one call.
    func record(_ phase: NodePhase, of nodes: [NodeRecord]) throws
}

/// Machines that already exist: this machine, or an SSH host pool. Node ids are the hosts as
/// the file names them; nothing is launched, terminated or tagged.
public final class FixedNodes: NodeProvider, Sendable {
    public let schedulerNodeId: String
    /// Hosts that may run workers, in the file's order.
    public let workerHosts: [String]
    /// True when the scheduler's host also runs every worker (the local provider).
    private let sharesSchedulerHost: Bool
    /// What Dask listens on, per host, where it differs from the host's own address.
    private let listenAddresses: [String: String]

    /// This machine, as the local provider uses it.
    public static func localMachine() -> FixedNodes {
        FixedNodes(scheduler: "localhost", workers: ["localhost"], sharesSchedulerHost: true)
    }

    public init(scheduler: String, workers: [String], listenAddresses: [String: String] = [:],
                sharesSchedulerHost: Bool = false) {
        schedulerNodeId = scheduler
        workerHosts = workers
        self.listenAddresses = listenAddresses
        self.sharesSchedulerHost = sharesSchedulerHost
    }

    public var makesNodes: Bool { false }

    public func newWorkerNodeIds(count: Int, used: Set<String>) throws -> [String] {
        if sharesSchedulerHost { return Array(repeating: schedulerNodeId, count: count) }
        let free = workerHosts.filter { !used.contains($0) }
        guard count <= free.count else {
            throw FixedNodesExhausted(pool: workerHosts.count)
        }
        return Array(free.prefix(count))
    }

    public func sharedResourceLines() -> [String] { [] }
    public func ensureSharedResources(report: (String) -> Void) {}
    public func deleteSharedResources(report: (String) -> Void) {}
    public func launchDescription(for role: NodeRole) -> (instanceType: String, image: String, hourlyCost: Double?) {
        ("existing host", "", nil)
    }
    public func create(_ nodes: [NodeRecord]) -> [NodeRecord] { nodes }
    public func waitUntilRunning(_ nodes: [NodeRecord], report: (String) -> Void) -> [NodeRecord] { nodes }
    public func terminate(_ nodes: [NodeRecord], report: (String) -> Void) {}
    public func list() -> [NodeRecord] {
        var hosts = [schedulerNodeId]
        for host in workerHosts where !hosts.contains(host) { hosts.append(host) }
        return hosts.map { host in
            NodeRecord(id: host, role: host == schedulerNodeId ? .scheduler : .worker, phase: .running,
                       publicAddress: host, privateAddress: listenAddresses[host] ?? host)
        }
    }
    public func liveNodeIds() -> Set<String> { Set(list().map(\.id)) }
    public func record(_ phase: NodePhase, of nodes: [NodeRecord]) {}
}

/// A fixed pool with fewer free hosts than a plan needs; the caller says how many it needed.
public struct FixedNodesExhausted: Error, Equatable {
    /// Hosts in the pool.
    public let pool: Int
}
