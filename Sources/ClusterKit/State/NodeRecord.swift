/// What a node is for.
public enum NodeRole: String, Codable, Equatable, Sendable {
    case scheduler, worker
}

/// How far a node has come, in order. `up` resumes from a node's phase; the ec2 provider also
/// keeps it in the instance's `clusterctl:phase` tag.
public enum NodePhase: String, Codable, Equatable, Sendable, CaseIterable, Comparable {
    /// Asked for: an instance launch was sent (or is about to be) with the node's client token.
    case requested
    /// The machine runs and has its addresses.
    case running
    /// SSH answers and the host key is recorded.
    case sshReady = "ssh-ready"
    /// The Python environment is ready.
    case environmentReady = "environment-ready"
    /// Its services were started.
    case servicesActive = "services-active"
    /// The scheduler reported its workers (for the scheduler node: all of them).
    case registered

    public static func < (a: NodePhase, b: NodePhase) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One machine of a cluster. Services name their node by `id`.
///
/// For the local provider the one node is `localhost`; for the ssh provider a node's id is its
/// host as the file writes it; ec2 nodes are `scheduler`, `w0`, `w1`, ... and carry their
/// instance's id and addresses.
public struct NodeRecord: Codable, Equatable, Sendable {
    public var id: String
    public var role: NodeRole
    public var phase: NodePhase
    /// The EC2 instance, once launched.
    public var instanceId: String?
    public var instanceType: String?
    /// The idempotency token of the launch that made it (shared by the nodes of one launch).
    public var clientToken: String?
    /// Where clusterctl reaches it (SSH) and clients reach the scheduler.
    public var publicAddress: String?
    /// Where the other nodes reach it, and what Dask listens on.
    public var privateAddress: String?

    public init(id: String, role: NodeRole, phase: NodePhase, instanceId: String? = nil, instanceType: String? = nil,
                clientToken: String? = nil, publicAddress: String? = nil, privateAddress: String? = nil) {
        self.id = id
        self.role = role
        self.phase = phase
        self.instanceId = instanceId
        self.instanceType = instanceType
        self.clientToken = clientToken
        self.publicAddress = publicAddress
        self.privateAddress = privateAddress
    }

    /// The address SSH connects to: the public one when there is one.
    public var sshAddress: String? { publicAddress ?? privateAddress }
}
