/// One step of a plan.
public enum PlanAction: Sendable, Equatable, Codable {
    /// Create or reuse what the nodes share (ec2: security group and rules, key pair); `lines`
    /// say what.
    case ensureClusterResources(lines: [String])
    /// Launch new nodes of one role in one call (ec2).
    case launchNodes(role: NodeRole, ids: [String], instanceType: String, image: String, hourlyCost: Double?)
    /// Terminate nodes and wait until they are gone (ec2).
    case terminateNodes(ids: [String])
    /// Delete what the nodes shared, once they are gone (ec2).
    case deleteClusterResources
    /// Create or reuse the Python environment on a node.
    case prepareEnvironment(node: String)
    case startScheduler(node: String)
    case stopScheduler(node: String)
    /// Start a worker service running `count` Dask workers.
    case startWorkers(service: String, node: String, count: Int)
    /// Retire Dask workers gracefully (their data moves first); stop the service too if none is left.
    case retireWorkers(service: String, node: String, names: [String], stopService: Bool)
    /// Stop a worker service outright (teardown, or a replacement).
    case stopWorkers(service: String, node: String)
    /// Drop a worker service that is no longer running from the state.
    case forgetWorkers(service: String, node: String)
    /// Wait until the scheduler reports `count` workers.
    case waitForWorkers(count: Int)

    /// The node a step acts on, if it acts on one.
    public var node: String? {
        switch self {
        case .prepareEnvironment(let node), .startScheduler(let node), .stopScheduler(let node): return node
        case .startWorkers(_, let node, _), .retireWorkers(_, let node, _, _), .stopWorkers(_, let node),
             .forgetWorkers(_, let node): return node
        case .waitForWorkers, .ensureClusterResources, .launchNodes, .terminateNodes, .deleteClusterResources: return nil
        }
    }

    /// True for steps that only touch their own node, so several can run at once and one
    /// node's failure need not stop the others.
    public var isNodeLocal: Bool {
        switch self {
        case .prepareEnvironment, .startWorkers, .stopWorkers: return true
        default: return false
        }
    }

    /// Steps with the same batch kind, one after another, may run at once.
    var batchKind: BatchKind? {
        switch self {
        case .launchNodes: return .launch
        case .prepareEnvironment: return .prepare
        case .startScheduler, .startWorkers: return .start
        case .stopWorkers: return .stop
        default: return nil
        }
    }

    /// Kinds of steps that run together.
    enum BatchKind {
        case launch, prepare, start, stop
    }

    /// True for the steps that change something.
    public var changes: Bool {
        if case .waitForWorkers = self { return false }
        return true
    }

    /// One line for a dry run or a progress log.
    public var summary: String {
        switch self {
        case .ensureClusterResources(let lines):
            return "create or reuse:" + lines.map { "\n      " + $0 }.joined()
        case .launchNodes(let role, let ids, let type, let image, let cost):
            let each = cost.map { String(format: "about $%.4f/h each", $0) } ?? "cost unknown"
            return "launch \(ids.count) \(role.rawValue) instance\(ids.count == 1 ? "" : "s") (\(ids.joined(separator: ", "))): "
                + "\(type), \(image), \(each)"
        case .terminateNodes(let ids): return "terminate \(ids.joined(separator: ", ")) and wait until gone"
        case .deleteClusterResources: return "delete the cluster's security group and key pair"
        case .prepareEnvironment(let node): return "prepare the Python environment on \(node)"
        case .startScheduler(let node): return "start the scheduler on \(node)"
        case .stopScheduler(let node): return "stop the scheduler on \(node)"
        case .startWorkers(let service, let node, let count):
            return "start \(count) worker\(count == 1 ? "" : "s") (\(service)) on \(node)"
        case .retireWorkers(let service, let node, let names, let stop):
            return "retire \(names.joined(separator: ", ")) on \(node)" + (stop ? " and stop \(service)" : "")
        case .stopWorkers(let service, let node): return "stop workers \(service) on \(node)"
        case .forgetWorkers(let service, let node): return "replace \(service) on \(node), which is no longer running"
        case .waitForWorkers(let count): return "wait for \(count) worker\(count == 1 ? "" : "s") to register"
        }
    }
}

/// The difference between what a cluster file asks for and what runs: an ordered list of
/// steps, printable as a dry run and applied by `Reconciler`.
public struct Plan: Sendable, Equatable {
    public var actions: [PlanAction]
    /// Set when `up FILE` would undo a `clusterctl scale`: the stored spec's worker count came
    /// from `scale` and the file asks for another.
    public var undoesScale: ScaleUndo?

    public init(_ actions: [PlanAction]) { self.actions = actions }

    /// True when applying the plan would change nothing.
    public var isEmpty: Bool { !actions.contains { $0.changes } }

    /// The plan as lines, one step each, after a line saying so if it undoes a `scale`.
    public var lines: [String] { (undoesScale.map { ["  ! " + $0.summary] } ?? []) + actions.map { "  - " + $0.summary } }

    /// True when applying the plan launches instances that cost money.
    public var launches: Bool {
        actions.contains { if case .launchNodes = $0 { return true } else { return false } }
    }

    /// Estimated cost per hour of the instances the plan launches; nil when a type's price is unknown.
    public var launchedHourlyCost: Double? {
        var total = 0.0
        for case .launchNodes(_, let ids, _, _, let cost) in actions {
            guard let cost else { return nil }
            total += cost * Double(ids.count)
        }
        return total
    }
}

/// A `clusterctl scale` that `up FILE` would undo: the cluster runs `scaled` workers because of
/// `scale`, and `file` asks for `fileCount`.
public struct ScaleUndo: Sendable, Equatable, Codable {
    public var scaled: Int
    public var fileCount: Int
    public var file: String

    public init(scaled: Int, fileCount: Int, file: String) {
        self.scaled = scaled
        self.fileCount = fileCount
        self.file = file
    }

    public var summary: String {
        "undo `clusterctl scale`: go from the \(scaled) worker\(scaled == 1 ? "" : "s") set by scale back to the "
            + "\(fileCount) that \(file) asks for (set workers.count: \(scaled) in the file to keep them)"
    }
}

extension Plan: Encodable {
    enum CodingKeys: String, CodingKey {
        case changes, steps, launches
        case hourlyCost = "hourly_cost"
        case undoesScale = "undoes_scale"
    }

    /// One step as scripts read it: what it does in words, and the action with its values.
    struct Step: Encodable {
        var summary: String
        var action: PlanAction
    }

    /// `clusterctl plan --output json`: whether anything changes, every step, and for plans that
    /// launch instances their estimated cost per hour (null when a price is unknown).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(!isEmpty, forKey: .changes)
        try container.encode(actions.map { Step(summary: $0.summary, action: $0) }, forKey: .steps)
        try container.encode(launches, forKey: .launches)
        try container.encode(launches ? launchedHourlyCost : nil, forKey: .hourlyCost)
        try container.encode(undoesScale, forKey: .undoesScale)
    }
}
