import Foundation

/// Applies a `Plan` through a `ClusterBackend`, saving the state after every step so an
/// interrupted command leaves a state that the next run repairs.
///
/// Consecutive steps of one kind on different nodes (preparing environments, starting worker
/// groups) run concurrently. A node that fails there is reported by name once the others have
/// finished; the other nodes carry on, and the command still fails so a rerun finishes the job.
public struct Reconciler {
    public let backend: ClusterBackend
    public let store: StateStore
    public let reporter: ProgressReporter
    /// Longest wait for workers to register.
    public let timeout: Double
    /// Stop once every launched node has reached this phase (`up --until`); nil goes all the way.
    public let until: NodePhase?

    public init(backend: ClusterBackend, store: StateStore, reporter: ProgressReporter, timeout: Double,
                until: NodePhase? = nil) {
        self.backend = backend
        self.store = store
        self.reporter = reporter
        self.timeout = timeout
        self.until = until
    }

    private var nodes: NodeProvider { backend.nodeProvider }

    /// Applies `plan` to `state` (created if nil) for `spec`; returns the new state.
    public func apply(_ plan: Plan, spec: ClusterSpec, state: ClusterState?) throws -> ClusterState {
        // A new cluster's endpoint is settled when its scheduler starts (ports checked then).
        var state = state ?? ClusterState(spec: spec, endpoint: SchedulerEndpoint(host: "", port: 0, dashboardPort: 0),
                                          supervisor: backend.supervisorKind)
        state.spec = spec
        backend.use(state.nodes)
        let started = Stopwatch()
        var failures: [(node: String, error: Error)] = []
        var failedNodes = Set<String>()
        var missingWorkers = 0
        var endpointSettled = false
        // Starts that go with their node's environment, in one job (and one remote command).
        let combined = backend as? CombinedStarts
        let earlyStarts = combined == nil ? [:] : Self.startsWithEnvironment(plan.actions)
        var startedEarly: [PlanAction] = []

        for batch in Self.batches(plan.actions) {
            var runnable: [PlanAction] = []
            for action in batch {
                if let node = action.node, failedNodes.contains(node) {
                    if case .startWorkers(_, _, let count) = action { missingWorkers += count }
                } else if !startedEarly.contains(action) {
                    runnable.append(action)
                }
            }
            if case .waitForWorkers(let count)? = runnable.first {
                let touched = Set(plan.actions.compactMap(\.node)).subtracting(failedNodes)
                try waitForWorkers(count - missingWorkers, state: state, started: started, nodes: touched)
                let changed = state.advance(state.services.map(\.node), to: .registered)
                tagPhases(changed)
                // Facts asked for again while observing (a host that changed) are kept even
                // when nothing else changed.
                if !backend.nodeFacts.isEmpty { state.nodeFacts = backend.nodeFacts }
                try store.save(state)
                continue
            }
            if runnable.isEmpty { continue }
            if batch.first?.batchKind == .launch {
                state = try recordLaunches(runnable, in: state)
            }
            announce(runnable, state: state)
            let phasesBefore = state.nodes
            // Workers start beside the scheduler (they retry until it answers), so its address
            // is settled before the starts: while the environments are prepared.
            let startsScheduler = plan.actions.contains(.startScheduler(node: backend.schedulerNode))
            if startsScheduler, !endpointSettled, runnable.contains(.startScheduler(node: backend.schedulerNode)) {
                state.endpoint = try settleEndpoint(spec, state: state)
                endpointSettled = true
            }
            let settlesEndpoint = startsScheduler && !endpointSettled && batch.first?.batchKind == .prepare
            // The endpoint is settled on the scheduler's node while the nodes connect; starts
            // made with an environment wait for it.
            let endpoint = Settled<SchedulerEndpoint>()
            var jobs: [() throws -> (inout ClusterState) -> Void] = []
            if settlesEndpoint {
                let known = state
                jobs.append {
                    let settled = Result { try settleEndpoint(spec, state: known) }
                    endpoint.set(settled)
                    let value = try settled.get()
                    return { $0.endpoint = value }
                }
                endpointSettled = true
            } else {
                endpoint.set(.success(state.endpoint))
            }
            let known = state
            jobs += runnable.map { action in
                if let combined, case .prepareEnvironment(let node) = action, let starts = earlyStarts[node] {
                    return { try prepareAndStart(node, starts, through: combined, spec: spec, state: known, endpoint: endpoint) }
                }
                return { try perform(action, spec: spec, state: known) }
            }
            var results = concurrently(jobs) { job in try job() }
            if settlesEndpoint {
                switch results.removeFirst() {
                case .success(let change): change(&state)
                case .failure(let error):
                    for case .success(let change) in results { change(&state) }
                    try store.save(state)
                    throw error
                }
            }
            // Every step that worked is recorded before any failure is reported.
            for case .success(let change) in results { change(&state) }
            for (action, result) in zip(runnable, results) {
                if case .success = result, case .prepareEnvironment(let node) = action {
                    startedEarly += earlyStarts[node] ?? []
                }
                guard case .failure(let error) = result else { continue }
                guard let node = action.node, action.isNodeLocal, node != backend.schedulerNode else {
                    state.supervisor = backend.supervisorKind
                    try store.save(state)
                    throw error
                }
                failures.append((node, error))
                failedNodes.insert(node)
                reporter.node(node, .failed, "\(error)".split(separator: "\n").first.map(String.init) ?? "failed")
                if case .startWorkers(_, _, let count) = action { missingWorkers += count }
            }
            state.supervisor = backend.supervisorKind
            state.nodeFacts = backend.nodeFacts.isEmpty ? nil : backend.nodeFacts
            try store.save(state)
            tagPhases(state.nodes.filter { node in phasesBefore.first { $0.id == node.id }?.phase != node.phase })
            if let until, batch.first?.batchKind == .launch, state.nodes.allSatisfy({ $0.phase >= until }) {
                reporter.step("every node is \(until == .requested ? "launched" : until.rawValue); stopping there as asked "
                              + "(`clusterctl up` carries on)")
                return state
            }
        }
        if !failures.isEmpty {
            throw Self.summary(of: failures, upNodes: Set(state.services.map(\.node)))
        }
        return state
    }

    /// Saves the records of the nodes about to be launched, each launch with its own client
    /// token, before anything is sent: an interrupted `up` then finds what the launch made.
    private func recordLaunches(_ launches: [PlanAction], in state: ClusterState) throws -> ClusterState {
        var state = state
        for case .launchNodes(let role, let ids, let type, _, _) in launches {
            let token = ids.compactMap { state.node($0)?.clientToken }.first
                ?? String("\(state.name.prefix(36))-\(ids[0])-\(UUID().uuidString.prefix(12).lowercased())")
            for id in ids where state.node(id)?.instanceId == nil {
                state.upsert(NodeRecord(id: id, role: role, phase: .requested, instanceType: type, clientToken: token))
            }
        }
        try store.save(state)
        return state
    }

    /// Tags the phases `changed` nodes reached, one call per phase. The state has them already,
    /// so a tag that cannot be written is a warning, not a failure.
    private func tagPhases(_ changed: [NodeRecord]) {
        guard nodes.makesNodes, !changed.isEmpty else { return }
        for (phase, group) in Dictionary(grouping: changed, by: \.phase) {
            do {
                try nodes.record(phase, of: group)
            } catch {
                reporter.warning("could not tag \(group.map(\.id).joined(separator: ", ")) as \(phase.rawValue): \(error)")
            }
        }
    }

    /// Groups consecutive steps that can run together: node-local steps of one kind, and the
    /// scheduler's start with the worker starts after it.
    static func batches(_ actions: [PlanAction]) -> [[PlanAction]] {
        var batches: [[PlanAction]] = []
        for action in actions {
            if let last = batches.last?.last, last.batchKind != nil, last.batchKind == action.batchKind {
                batches[batches.count - 1].append(action)
            } else {
                batches.append([action])
            }
        }
        return batches
    }

    /// Connects to `node` before its environment is prepared, saying so; returns its record
    /// where a pool's node is used for the first time (launched nodes have theirs already).
    func reachForEnvironment(_ node: String, spec: ClusterSpec, state: ClusterState) throws -> NodeRecord? {
        let known = try state.node(node) ?? (nodes.makesNodes ? nil : nodes.list().first { $0.id == node })
        if case .ec2(let ec2) = spec.provider, nodes.makesNodes {
            reporter.node(node, .connecting, "waiting for SSH (gives up after \(Int(ec2.sshTimeout)) s)")
        } else {
            reporter.node(node, .connecting, "connecting")
        }
        try backend.reach(node)
        return known
    }

    /// Does one step and returns how it changes the state (applied once the batch is done).
    private func perform(_ action: PlanAction, spec: ClusterSpec, state: ClusterState) throws -> (inout ClusterState) -> Void {
        switch action {
        case .ensureClusterResources:
            try nodes.ensureSharedResources { reporter.step($0) }
            return { _ in }
        case .launchNodes(_, let ids, let type, _, _):
            ids.forEach { reporter.node($0, .launching, "launching a \(type) instance") }
            var records = try nodes.create(ids.compactMap(state.node))
            records.forEach { reporter.node($0.id, .launching, "launched \($0.instanceId ?? ""); waiting for it to run") }
            if until != .requested {
                records = try nodes.waitUntilRunning(records) { reporter.progress($0) }
                records.forEach { reporter.node($0.id, .launching, "running") }
            }
            backend.use(records)
            return { state in records.forEach { state.upsert($0) } }
        case .terminateNodes(let ids):
            try nodes.terminate(ids.compactMap(state.node)) { reporter.step($0) }
            return { state in
                state.nodes.removeAll { ids.contains($0.id) }
                state.services.removeAll { ids.contains($0.node) }
                ids.forEach { state.nodeFacts?[$0] = nil }
            }
        case .deleteClusterResources:
            try nodes.deleteSharedResources { reporter.step($0) }
            return { _ in }
        case .prepareEnvironment(let node):
            let known = try reachForEnvironment(node, spec: spec, state: state)
            reporter.node(node, .environment, "checking the Python environment")
            try backend.prepareEnvironment(on: node, spec: spec) { reporter.node(node, .environment, $0) }
            reporter.node(node, .environment, "environment ready")
            let path = backend.environmentPath
            return { state in
                state.environmentPath = path
                if state.node(node) == nil, let known { state.upsert(known) }
                state.advance([node], to: .environmentReady)
            }
        case .startScheduler(let node):
            reporter.node(node, .services, "starting the scheduler (\(state.endpoint.address))")
            let record = try backend.startScheduler(spec, endpoint: state.endpoint)
            reporter.node(node, .services, "scheduler started")
            return { state in
                state.services.removeAll { $0.role == .scheduler }
                state.services.insert(record, at: 0)
                state.advance([record.node], to: .servicesActive)
            }
        case .stopScheduler:
            if let scheduler = state.scheduler { try backend.stop(scheduler, cluster: spec.name) }
            return { $0.services.removeAll { $0.role == .scheduler } }
        case .startWorkers(let service, let node, let count):
            reporter.node(node, .services, "starting \(count) worker\(count == 1 ? "" : "s") (\(service))")
            let record = try backend.startWorkers(spec, endpoint: state.endpoint, service: service, node: node, count: count)
            reporter.node(node, .services, "\(service) started; waiting for its workers to register")
            return { state in
                state.services.removeAll { $0.name == service }
                state.services.append(record)
                state.advance([record.node], to: .servicesActive)
            }
        case .retireWorkers(let service, _, let names, let stopService):
            try retire(names, endpoint: state.endpoint)
            if var record = state.services.first(where: { $0.name == service }) {
                if stopService {
                    try backend.stop(record, cluster: spec.name)
                } else {
                    // The service keeps running with fewer workers; a restart of it by its
                    // keeper must not bring the retired ones back.
                    record.retired += names
                    do {
                        try backend.redefineWorkers(spec, endpoint: state.endpoint, service: record)
                    } catch {
                        // The retirement happened and is recorded either way.
                        reporter.warning("\(service) on \(record.node) would start its retired workers again if it "
                                         + "restarted: \("\(error)".split(separator: "\n").last.map(String.init) ?? "\(error)")")
                    }
                }
            }
            return { state in
                guard let index = state.services.firstIndex(where: { $0.name == service }) else { return }
                if stopService { state.services.remove(at: index) } else { state.services[index].retired += names }
            }
        case .stopWorkers(let service, _):
            if let record = state.services.first(where: { $0.name == service }) {
                try backend.stop(record, cluster: spec.name)
            }
            return { $0.services.removeAll { $0.name == service } }
        case .forgetWorkers(let service, _):
            return { $0.services.removeAll { $0.name == service } }
        case .waitForWorkers:
            return { _ in }
        }
    }

    /// Where the scheduler about to start will listen. When a port is taken and the state knows
    /// no scheduler, it may be held by one that an interrupted run started but never recorded:
    /// that one is stopped and the ports are checked once more.
    private func settleEndpoint(_ spec: ClusterSpec, state: ClusterState) throws -> SchedulerEndpoint {
        do {
            return try backend.endpoint(for: spec)
        } catch let taken as ClusterError where taken.reason == .portTaken && state.scheduler == nil {
            let leftover = ServiceRecord(name: "scheduler", role: .scheduler, node: backend.schedulerNode)
            guard (try? backend.stop(leftover, cluster: spec.name)) != nil else { throw taken }
            return try backend.endpoint(for: spec)
        }
    }

    private func retire(_ names: [String], endpoint: SchedulerEndpoint) throws {
        let api = try backend.schedulerAPI(endpoint)
        guard let identity = api.identity() else {
            throw ClusterError("the scheduler does not answer, so workers cannot be retired gracefully; run `clusterctl up` to repair it first")
        }
        let addresses = identity.workerList.filter { names.contains($0.name) }.map(\.address)
        if !addresses.isEmpty { try api.retire(addresses) }
    }

    /// One error naming every node that failed, and which came up.
    static func summary(of failures: [(node: String, error: Error)], upNodes: Set<String>) -> ClusterError {
        let names = failures.map(\.node)
        let details = failures.map { "\($0.error)" }.joined(separator: "\n")
        let up = upNodes.subtracting(names).sorted()
        return ClusterError("\(names.count) node\(names.count == 1 ? "" : "s") failed: \(names.joined(separator: ", "))"
                            + (up.isEmpty ? "" : "; running on \(up.joined(separator: ", "))")
                            + ". Fix the cause below and run the command again to finish the job",
                            details: details)
    }
}
