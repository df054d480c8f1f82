/// One step of a plan.
public enum PlanAction: Sendable, Equatable {
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
        case .waitForWorkers: return nil
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
    var batchKind: String? {
        switch self {
        case .prepareEnvironment: return "prepare"
        case .startScheduler, .startWorkers: return "start"
        case .stopWorkers: return "stop"
        default: return nil
        }
    }

    /// True for the steps that change something.
    public var changes: Bool {
        if case .waitForWorkers = self { return false }
        return true
    }

    /// One line for a dry run or a progress log.
    public var summary: String {
        switch self {
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

    public init(_ actions: [PlanAction]) { self.actions = actions }

    /// True when applying the plan would change nothing.
    public var isEmpty: Bool { !actions.contains { $0.changes } }

    /// The plan as lines, one step each.
    public var lines: [String] { actions.map { "  - " + $0.summary } }
}
