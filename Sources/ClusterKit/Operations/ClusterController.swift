import Foundation

/// Every `clusterctl` command's work: the command line parses and prints, this does.
///
/// Each operation that changes a cluster takes the cluster's lock, reads its state, plans,
/// applies and saves, so two commands on one cluster never interleave.
public final class ClusterController {
    public let homes: Homes
    public let store: StateStore
    public let reporter: ProgressReporter
    /// Longest wait for workers to register, in seconds.
    public var timeout: Double = 180

    public init(homes: Homes, reporter: ProgressReporter) {
        self.homes = homes
        store = StateStore(homes: homes)
        self.reporter = reporter
    }

    // MARK: up

    /// What `up` did.
    public struct UpResult {
        public var plan: Plan
        public var state: ClusterState?
        /// False if the cluster already matched its file.
        public var changed: Bool
        /// The cluster's status once converged (nil for a dry run).
        public var status: ClusterStatus?
    }

    /// Creates the cluster of file `path` or converges it to the file; with `dryRun`, only plans.
    public func up(file path: String, dryRun: Bool) throws -> UpResult {
        let spec = try SpecLoader.load(path: path)
        let lock = try store.lock(spec.name) { holder in
            self.reporter.warning("waiting for another clusterctl command on \(spec.name)\(holder.map { " (pid \($0))" } ?? "")")
        }
        defer { lock.release() }
        var state = try store.load(spec.name)
        if let existing = state, !existing.services.isEmpty,
           let other = existing.spec.sourcePath, let mine = spec.sourcePath, other != mine {
            throw ClusterError("a cluster named \(spec.name) already runs from \(other); run `clusterctl down \(spec.name)` "
                               + "first, or give this file another name", exitCode: 1)
        }
        if state?.services.isEmpty == true { state = nil }
        return try converge(to: spec, state: state, dryRun: dryRun)
    }

    // MARK: scale

    /// Sets the number of Dask workers of cluster `reference` to `count`.
    public func scale(_ reference: ClusterReference, to count: Int, dryRun: Bool = false) throws -> UpResult {
        guard count >= 1 else { throw ClusterError.usage("COUNT must be at least 1 (use `clusterctl down` to stop a cluster)") }
        let name = try reference.resolveName()
        _ = try existingState(name)
        let lock = try store.lock(name) { holder in
            self.reporter.warning("waiting for another clusterctl command on \(name)\(holder.map { " (pid \($0))" } ?? "")")
        }
        defer { lock.release() }
        let state = try existingState(name)
        var spec = state.spec
        spec.workers.count = count
        return try converge(to: spec, state: state, dryRun: dryRun)
    }

    private func converge(to spec: ClusterSpec, state: ClusterState?, dryRun: Bool) throws -> UpResult {
        let backend = try Backends.make(for: spec, homes: homes, state: state)
        let observed = try observe(state, backend: backend)
        let plan = try Planner(placement: backend, schedulerNode: backend.schedulerNode)
            .plan(desired: spec, state: state, observed: observed)
        if dryRun {
            return UpResult(plan: plan, state: state, changed: false, status: nil)
        }
        // Even a plan that changes nothing waits until the workers it counts on are registered.
        let reconciler = Reconciler(backend: backend, store: store, reporter: reporter, timeout: timeout)
        let newState = try reconciler.apply(plan, spec: spec, state: state)
        // Every service in the new state was started or seen running, and the wait just saw
        // their workers registered: no need to ask each node again.
        return UpResult(plan: plan, state: newState, changed: !plan.isEmpty,
                        status: status(of: newState, backend: backend, running: Set(newState.services.map(\.name))))
    }

    private func observe(_ state: ClusterState?, backend: ClusterBackend) throws -> Observation {
        guard let state, !state.services.isEmpty else { return .nothing }
        let running = try backend.running(state.services, cluster: state.name)
        let schedulerRunning = state.scheduler.map { running.contains($0.name) } ?? false
        return Observation(schedulerRunning: schedulerRunning, runningServices: running.subtracting(["scheduler"]))
    }

    // MARK: down

    /// Stops every service of cluster `reference`; with `purge`, also removes what clusterctl
    /// installed on its nodes and forgets the cluster. Returns false if nothing was running.
    @discardableResult
    public func down(_ reference: ClusterReference, purge: Bool = false) throws -> Bool {
        let name = try reference.resolveName()
        _ = try existingState(name)
        let lock = try store.lock(name)
        defer { lock.release() }
        var state = try existingState(name)
        let wasRunning = !state.services.isEmpty
        let backend = try Backends.make(for: state.spec, homes: homes, state: state)
        let nodes = Set(state.services.map(\.node)).union([backend.schedulerNode])
        if wasRunning {
            let plan = Planner(placement: backend, schedulerNode: backend.schedulerNode).teardown(state: state)
            state = try Reconciler(backend: backend, store: store, reporter: reporter, timeout: timeout)
                .apply(plan, spec: state.spec, state: state)
        }
        if purge {
            let targets = nodes.union(Self.poolNodes(of: state.spec)).sorted()
            reporter.step("removing what clusterctl installed on \(targets.joined(separator: ", "))")
            let failures = FanOut.results(targets) { try backend.purge($0) }.compactMap { node, result -> (String, Error)? in
                if case .failure(let error) = result { return (node, error) }
                return nil
            }
            if !failures.isEmpty { throw Reconciler.summary(of: failures, upNodes: []) }
            try? FileManager.default.removeItem(at: homes.clusterDirectory(name))
        }
        return wasRunning
    }

    /// Every node a spec may use.
    static func poolNodes(of spec: ClusterSpec) -> [String] {
        switch spec.provider {
        case .local: return ["localhost"]
        case .ssh(let ssh): return [ssh.scheduler] + ssh.workers
        }
    }

    // MARK: exec

    /// Runs `command` on the cluster's nodes (or only `node`) concurrently, handing each line
    /// of output on prefixed by its host; returns each node's exit status.
    public func exec(_ reference: ClusterReference, node: String?, command: String,
                     output: @escaping (String) -> Void) throws -> [(node: String, status: Int32?, error: String?)] {
        let name = try reference.resolveName()
        let state = try existingState(name)
        let backend = try Backends.make(for: state.spec, homes: homes, state: state)
        var nodes = state.services.isEmpty ? Self.poolNodes(of: state.spec) : state.services.map(\.node)
        nodes = nodes.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        if let node {
            guard nodes.contains(node) else {
                throw ClusterError.usage("\(node) is not a node of \(name); its nodes are: \(nodes.joined(separator: ", "))")
            }
            nodes = [node]
        }
        let printLock = NSLock()
        let results = FanOut.results(nodes) { host -> Int32 in
            let printer = LinePrefixer(prefix: "[\(host)] ") { line in printLock.withLock { output(line) } }
            defer { printer.flush() }
            return try backend.runner(for: host).stream(command, onOutput: printer.feed)
        }
        return results.map { node, result in
            switch result {
            case .success(let status): return (node, status, nil)
            case .failure(let error): return (node, nil, "\(error)")
            }
        }
    }

    // MARK: status, list

    /// The cluster's services and what its scheduler reports.
    public func status(_ reference: ClusterReference) throws -> ClusterStatus {
        let name = try reference.resolveName()
        let state = try existingState(name)
        return status(of: state, backend: try Backends.make(for: state.spec, homes: homes, state: state))
    }

    /// The status of `state`, asking `backend` (and its connections) what runs unless `running`
    /// is already known.
    private func status(of state: ClusterState, backend: ClusterBackend, running known: Set<String>? = nil) -> ClusterStatus {
        let name = state.name
        let running = known ?? (try? backend.running(state.services, cluster: name)) ?? []
        let schedulerRunning = state.scheduler.map { running.contains($0.name) } ?? false
        let identity = schedulerRunning ? (try? backend.schedulerAPI(state.endpoint))?.identity() : nil
        let workers = (identity?.liveWorkers ?? []).map {
            ClusterStatus.Worker(name: $0.name, address: $0.address, host: $0.host, nthreads: $0.nthreads,
                                 memoryLimit: $0.memoryLimit, status: $0.status)
        }
        let desired = state.services.isEmpty ? 0 : state.spec.workers.count
        let phase: String
        if state.services.isEmpty {
            phase = "down"
        } else if schedulerRunning && workers.count == desired && state.services.allSatisfy({ running.contains($0.name) }) {
            phase = "up"
        } else {
            phase = "degraded"
        }
        return ClusterStatus(
            name: name, provider: state.spec.provider.kind, supervisor: state.supervisor, phase: phase,
            scheduler: .init(address: state.endpoint.address, dashboard: state.endpoint.dashboard,
                             node: state.scheduler?.node, running: schedulerRunning),
            workers: .init(desired: desired, registered: workers.count, list: workers),
            services: state.services.map {
                .init(name: $0.name, role: $0.role.rawValue, node: $0.node, pid: $0.pid, running: running.contains($0.name))
            },
            environment: state.environmentPath, source: state.spec.sourcePath)
    }

    /// Every cluster in the state home, with its status.
    public func list() throws -> [ClusterStatus] {
        try store.names().map { try status(.name($0)) }
    }

    // MARK: logs

    /// Prints the logs of the services of cluster `reference` that match `role` and `node`,
    /// each line prefixed by its service; with `follow`, keeps printing until interrupted.
    public func logs(_ reference: ClusterReference, role: ServiceRole?, node: String?, tail: Int, follow: Bool,
                     output: @escaping (String) -> Void) throws {
        let name = try reference.resolveName()
        let state = try existingState(name)
        let services = state.services.filter { service in
            (role == nil || service.role == role) && (node == nil || service.node == node || service.name == node)
        }
        guard !services.isEmpty else {
            let nodes = Set(state.services.map(\.node)).sorted().joined(separator: ", ")
            throw ClusterError("no service of \(name) matches; its nodes are: \(nodes.isEmpty ? "none (it is down)" : nodes)")
        }
        let backend = try Backends.make(for: state.spec, homes: homes, state: state)
        let sources = try services.map { ($0, try backend.logSource(for: $0, cluster: name, tail: tail, follow: follow)) }
        let group = DispatchGroup()
        let printLock = NSLock()
        for (service, (runner, command)) in sources {
            group.enter()
            let work = BackgroundWork {
                let printer = LinePrefixer(prefix: "[\(service.name)] ") { line in
                    printLock.withLock { output(line) }
                }
                _ = try? runner.stream(command, onOutput: printer.feed)
                printer.flush()
            }
            Thread.detachNewThread {
                work.run()
                group.leave()
            }
        }
        group.wait()
    }

    private func existingState(_ name: String) throws -> ClusterState {
        guard let state = try store.load(name) else {
            throw ClusterError("no cluster named \(name) in \(homes.state.path); `clusterctl list` shows the clusters there")
        }
        return state
    }
}
