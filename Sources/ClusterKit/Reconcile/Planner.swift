/// Decides where new worker services go: the provider's part of planning.
public protocol WorkerPlacement {
    /// New worker services (name, node, Dask worker count) that add `count` workers
    /// beside `existing` services.
    func place(adding count: Int, beside existing: [ServiceRecord], spec: ClusterSpec) throws -> [(service: String, node: String, count: Int)]
}

/// Pure planning: desired spec x recorded state x observation -> `Plan`.
///
/// The one reconcile step behind `up`, `scale` and `down`. Nodes are part of the plan: where
/// the provider makes them (ec2), missing nodes are launched before anything runs on them, and
/// nodes left without services after a scale-down are terminated after their workers retired.
public struct Planner {
    public let placement: WorkerPlacement
    public let nodes: NodeProvider

    public init(placement: WorkerPlacement, nodes: NodeProvider) {
        self.placement = placement
        self.nodes = nodes
    }

    /// The node that runs (or will run) the scheduler.
    public var schedulerNode: String { nodes.schedulerNodeId }

    /// The steps that bring `state` (as `observed`) to `desired`.
    ///
    /// A service whose node could not be asked (`observed.unknown`) is left as it is: it counts
    /// as running and is never retired. When the plan would have to stop or replace it (the
    /// scheduler is unknown, or every service must be replaced), planning fails and names it,
    /// so nothing changes until its node answers.
    public func plan(desired: ClusterSpec, state: ClusterState?, observed: Observation) throws -> Plan {
        var actions: [PlanAction] = []
        var services = state?.workers ?? []
        if let why = observed.unknown["scheduler"], state != nil {
            throw ClusterError("cannot tell whether the scheduler runs (\(why)); nothing was changed: "
                               + "once its node answers, rerun the command")
        }
        let unknown = services.filter { observed.unknown[$0.name] != nil }
        var observed = observed
        observed.runningServices.formUnion(unknown.map(\.name))
        var schedulerUp = state != nil && observed.schedulerRunning
        var known = state?.nodes ?? []

        // Launched nodes that are gone (terminated, stopped, lost) are terminated for good and
        // forgotten; whatever ran there is replaced below.
        if nodes.makesNodes {
            let gone = known.filter { $0.instanceId != nil && !observed.liveNodes.contains($0.id) }
            if !gone.isEmpty {
                actions.append(.terminateNodes(ids: gone.map(\.id)))
                known.removeAll { node in gone.contains { $0.id == node.id } }
            }
        }

        // A changed setting other than the worker count means new processes throughout; so
        // does a scheduler that has to start again (its workers would have lost it).
        let settingsChanged = state.map { Self.needsReplacement($0.spec, desired) } ?? false
        if (settingsChanged || !schedulerUp), !unknown.isEmpty {
            let why = unknown.map { "\($0.name) on \($0.node): \(observed.unknown[$0.name] ?? "")" }.joined(separator: "; ")
            throw ClusterError("every service must be \(settingsChanged ? "replaced (the settings changed)" : "restarted (the scheduler stopped)")"
                               + ", but some cannot be checked (\(why)); nothing was changed: once their nodes answer, rerun the command")
        }
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
        // New instance settings (type, image, network) mean new nodes.
        if nodes.makesNodes, let old = state?.spec, old.provider != desired.provider, !known.isEmpty {
            actions.append(.terminateNodes(ids: known.map(\.id)))
            known = []
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
                // A running service placed again (refilled with more workers): its live workers
                // retire first, so their data moves, then it starts again with the new count.
                if let running = services.first(where: { $0.name == placed.service }) {
                    guard observed.unknown[running.name] == nil else {
                        throw ClusterError("\(running.name) on \(running.node) would get more workers, but it cannot be checked "
                                           + "(\(observed.unknown[running.name] ?? "")); nothing was changed: once its node answers, "
                                           + "rerun the command")
                    }
                    starts.append(.retireWorkers(service: running.name, node: running.node, names: running.liveWorkerNames,
                                                 stopService: false))
                }
                starts.append(.startWorkers(service: placed.service, node: placed.node, count: placed.count))
            }
        }
        if !starts.isEmpty {
            var needed: [String] = []
            for node in [schedulerNode] + starts.compactMap(Self.startedNode) where !needed.contains(node) {
                needed.append(node)
            }
            if nodes.makesNodes {
                var launching = try launches(of: needed, known: known)
                // A dashboard made public on running instances needs its security group rule now.
                if launching.isEmpty, let old = state?.spec, desired.scheduler.dashboard == .public,
                   old.scheduler.dashboard != .public || old.scheduler.dashboardPort != desired.scheduler.dashboardPort {
                    launching = [.ensureClusterResources(lines: try nodes.sharedResourceLines())]
                }
                actions += launching
            }
            actions += needed.map { PlanAction.prepareEnvironment(node: $0) }
        }
        actions += starts
        var emptied: [String] = []
        if have > want {
            // Retiring stops services on their nodes: only on nodes that answered.
            let retirements = Self.retirements(removing: have - want,
                                               from: services.filter { observed.unknown[$0.name] == nil })
            actions += retirements
            emptied = Self.emptiedNodes(by: retirements, services: services)
        }
        if nodes.makesNodes {
            // Nodes nothing runs on or will run on (scaled down, or left by a failed start) cost
            // money for nothing.
            let used = Set(services.map(\.node) + [schedulerNode] + starts.compactMap(Self.startedNode))
            emptied += known.map(\.id).filter { !used.contains($0) && !emptied.contains($0) }
            if !emptied.isEmpty { actions.append(.terminateNodes(ids: emptied)) }
        }
        actions.append(.waitForWorkers(count: want))
        return Plan(actions)
    }

    /// Stops every service of `state`: workers first, then the scheduler. Where the provider
    /// made the nodes, terminating them stops everything at once, then their shared resources go.
    public func teardown(state: ClusterState) -> Plan {
        if nodes.makesNodes {
            var actions: [PlanAction] = []
            if !state.nodes.isEmpty { actions.append(.terminateNodes(ids: state.nodes.map(\.id))) }
            actions.append(.deleteClusterResources)
            return Plan(actions)
        }
        var actions = state.workers.map { PlanAction.stopWorkers(service: $0.name, node: $0.node) }
        if let scheduler = state.scheduler {
            actions.append(.stopScheduler(node: scheduler.node))
        }
        return Plan(actions)
    }

    /// Launch steps for the `needed` nodes that have no instance yet: shared resources first,
    /// then one launch per role (a node left `requested` by an interrupted launch is launched
    /// again with its own client token, which finds what that launch made).
    private func launches(of needed: [String], known: [NodeRecord]) throws -> [PlanAction] {
        let launched = Set(known.filter { $0.instanceId != nil }.map(\.id))
        let missing = needed.filter { !launched.contains($0) }
        guard !missing.isEmpty else { return [] }
        var actions: [PlanAction] = [.ensureClusterResources(lines: try nodes.sharedResourceLines())]
        for role in [NodeRole.scheduler, .worker] {
            let ids = missing.filter { ($0 == schedulerNode) == (role == .scheduler) }
            guard !ids.isEmpty else { continue }
            let launch = try nodes.launchDescription(for: role)
            actions.append(.launchNodes(role: role, ids: ids, instanceType: launch.instanceType, image: launch.image,
                                        hourlyCost: launch.hourlyCost))
        }
        return actions
    }

    private static func startedNode(_ action: PlanAction) -> String? {
        if case .startWorkers(_, let node, _) = action { return node }
        return nil
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

    /// Nodes whose every worker service `retirements` stop.
    static func emptiedNodes(by retirements: [PlanAction], services: [ServiceRecord]) -> [String] {
        let stopped = Set(retirements.compactMap { action -> String? in
            if case .retireWorkers(let service, _, _, true) = action { return service }
            return nil
        })
        var emptied: [String] = []
        for service in services where stopped.contains(service.name) && !emptied.contains(service.node) {
            let others = services.filter { $0.node == service.node && !stopped.contains($0.name) }
            if others.isEmpty { emptied.append(service.node) }
        }
        return emptied
    }

    /// True if `old` and `new` differ in anything but the worker count, the file's path and
    /// where packages come from (`environment.offline`: the same environment either way).
    static func needsReplacement(_ old: ClusterSpec, _ new: ClusterSpec) -> Bool {
        var a = old
        var b = new
        a.workers.count = 0
        b.workers.count = 0
        a.environment.offline = .auto
        b.environment.offline = .auto
        a.sourcePath = nil
        b.sourcePath = nil
        a.stateURL = nil
        b.stateURL = nil
        return a != b
    }
}
