/// Decides where new worker services go: the provider's part of planning.
public protocol WorkerPlacement {
    /// New worker services (name, node, Dask worker count) that add `count` workers
    /// beside `existing` services.
    func place(adding count: Int, beside existing: [ServiceRecord], spec: ClusterSpec) throws -> [(service: String, node: String, count: Int)]
}

/// Pure planning: desired spec x recorded state x observation -> `Plan`.
///
/// The one reconcile step behind `up`, `scale` and `down`.
public struct Planner {
    public let placement: WorkerPlacement
    /// The node that runs (or will run) the scheduler.
    public let schedulerNode: String

    public init(placement: WorkerPlacement, schedulerNode: String) {
        self.placement = placement
        self.schedulerNode = schedulerNode
    }

    /// The steps that bring `state` (as `observed`) to `desired`.
    public func plan(desired: ClusterSpec, state: ClusterState?, observed: Observation) throws -> Plan {
        var actions: [PlanAction] = []
        var services = state?.workers ?? []
        var schedulerUp = state != nil && observed.schedulerRunning

        // A changed setting other than the worker count means new processes throughout; so
        // does a scheduler that has to start again (its workers would have lost it).
        let settingsChanged = state.map { Self.needsReplacement($0.spec, desired) } ?? false
        if settingsChanged || !schedulerUp {
            for service in services where observed.runningServices.contains(service.name) {
                actions.append(.stopWorkers(service: service.name, node: service.node))
            }
            for service in services where !observed.runningServices.contains(service.name) {
                actions.append(.forgetWorkers(service: service.name, node: service.node))
            }
            services = []
            if settingsChanged && schedulerUp {
                actions.append(.stopScheduler(node: schedulerNode))
                schedulerUp = false
            }
        }
        for service in services where !observed.runningServices.contains(service.name) {
            actions.append(.forgetWorkers(service: service.name, node: service.node))
        }
        services = services.filter { observed.runningServices.contains($0.name) }

        var starts: [PlanAction] = []
        if !schedulerUp { starts.append(.startScheduler(node: schedulerNode)) }
        let have = services.reduce(0) { $0 + $1.liveWorkerNames.count }
        let want = desired.workers.count
        if have < want {
            for placed in try placement.place(adding: want - have, beside: services, spec: desired) {
                starts.append(.startWorkers(service: placed.service, node: placed.node, count: placed.count))
            }
        }
        if !starts.isEmpty {
            let nodes = [schedulerNode] + starts.compactMap { action -> String? in
                if case .startWorkers(_, let node, _) = action { return node }
                return nil
            }
            var seen = Set<String>()
            for node in nodes where seen.insert(node).inserted {
                actions.append(.prepareEnvironment(node: node))
            }
        }
        actions += starts
        if have > want {
            actions += Self.retirements(removing: have - want, from: services)
        }
        actions.append(.waitForWorkers(count: want))
        return Plan(actions)
    }

    /// Stops every service of `state`: workers first, then the scheduler.
    public func teardown(state: ClusterState) -> Plan {
        var actions = state.workers.map { PlanAction.stopWorkers(service: $0.name, node: $0.node) }
        if let scheduler = state.scheduler {
            actions.append(.stopScheduler(node: scheduler.node))
        }
        return Plan(actions)
    }

    /// Retires `count` workers, newest services first, whole services where possible.
    static func retirements(removing count: Int, from services: [ServiceRecord]) -> [PlanAction] {
        var left = count
        var actions: [PlanAction] = []
        for service in services.reversed() where left > 0 {
            let names = service.liveWorkerNames
            let take = Array(names.suffix(min(left, names.count)))
            left -= take.count
            actions.append(.retireWorkers(service: service.name, node: service.node, names: take,
                                          stopService: take.count == names.count))
        }
        return actions
    }

    /// True if `old` and `new` differ in anything but the worker count and the file's path.
    static func needsReplacement(_ old: ClusterSpec, _ new: ClusterSpec) -> Bool {
        var a = old
        var b = new
        a.workers.count = 0
        b.workers.count = 0
        a.sourcePath = nil
        b.sourcePath = nil
        return a != b
    }
}
