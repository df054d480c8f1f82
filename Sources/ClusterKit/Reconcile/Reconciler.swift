import Foundation

/// Applies a `Plan` through a `ClusterBackend`, saving the state after every step so an
/// interrupted command leaves a state that the next run repairs.
public struct Reconciler {
    public let backend: ClusterBackend
    public let store: StateStore
    public let reporter: ProgressReporter
    /// Longest wait for workers to register.
    public let timeout: Double

    public init(backend: ClusterBackend, store: StateStore, reporter: ProgressReporter, timeout: Double) {
        self.backend = backend
        self.store = store
        self.reporter = reporter
        self.timeout = timeout
    }

    /// Applies `plan` to `state` (created if nil) for `spec`; returns the new state.
    public func apply(_ plan: Plan, spec: ClusterSpec, state: ClusterState?) throws -> ClusterState {
        // A new cluster's endpoint is settled when its scheduler starts (ports checked then).
        var state = state ?? ClusterState(spec: spec, endpoint: SchedulerEndpoint(host: "", port: 0, dashboardPort: 0),
                                          supervisor: backend.supervisorKind)
        state.spec = spec
        state.supervisor = backend.supervisorKind
        let started = Stopwatch()
        for action in plan.actions {
            try apply(action, spec: spec, state: &state, started: started)
            try store.save(state)
        }
        return state
    }

    private func apply(_ action: PlanAction, spec: ClusterSpec, state: inout ClusterState, started: Stopwatch) throws {
        switch action {
        case .prepareEnvironment(let node):
            reporter.step("preparing the Python environment on \(node)")
            try backend.prepareEnvironment(on: node, spec: spec) { reporter.progress("environment on \(node): \($0)") }
            state.environmentPath = backend.environmentPath
        case .startScheduler(let node):
            state.endpoint = try backend.endpoint(for: spec)
            reporter.step("starting the scheduler on \(node) (\(state.endpoint.address))")
            let record = try backend.startScheduler(spec, endpoint: state.endpoint)
            state.services.removeAll { $0.role == .scheduler }
            state.services.insert(record, at: 0)
        case .stopScheduler(let node):
            reporter.step("stopping the scheduler on \(node)")
            if let scheduler = state.scheduler { try backend.stop(scheduler, cluster: spec.name) }
            state.services.removeAll { $0.role == .scheduler }
        case .startWorkers(let service, let node, let count):
            reporter.step("starting \(count) worker\(count == 1 ? "" : "s") (\(service)) on \(node)")
            let record = try backend.startWorkers(spec, endpoint: state.endpoint, service: service, node: node, count: count)
            state.services.removeAll { $0.name == service }
            state.services.append(record)
        case .retireWorkers(let service, let node, let names, let stopService):
            reporter.step("retiring \(names.joined(separator: ", ")) on \(node) (their data moves to the other workers)")
            try retire(names, endpoint: state.endpoint)
            guard let index = state.services.firstIndex(where: { $0.name == service }) else { return }
            if stopService {
                try backend.stop(state.services[index], cluster: spec.name)
                state.services.remove(at: index)
            } else {
                state.services[index].retired += names
            }
        case .stopWorkers(let service, let node):
            reporter.step("stopping \(service) on \(node)")
            if let record = state.services.first(where: { $0.name == service }) {
                try backend.stop(record, cluster: spec.name)
            }
            state.services.removeAll { $0.name == service }
        case .forgetWorkers(let service, let node):
            reporter.warning("\(service) on \(node) is no longer running; it will be replaced")
            state.services.removeAll { $0.name == service }
        case .waitForWorkers(let count):
            try waitForWorkers(count, state: state, started: started)
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

    /// Polls the scheduler until it reports `count` live workers, with a live progress line.
    private func waitForWorkers(_ count: Int, state: ClusterState, started: Stopwatch) throws {
        let api = try backend.schedulerAPI(state.endpoint)
        let deadline = Deadline(seconds: timeout)
        var last = ""
        let done = deadline.poll(every: 0.05) { () -> Bool? in
            let identity = api.identity()
            let registered = identity?.liveWorkers.count
            let line = registered.map { "waiting for workers: \($0)/\(count) registered" } ?? "waiting for the scheduler to answer"
            if line != last {
                reporter.progress(line + String(format: " (%.1f s)", started.elapsed))
                last = line
            }
            return registered == count ? true : nil
        }
        if done == nil {
            throw try diagnoseTimeout(count, state: state, api: api)
        }
        reporter.progress(String(format: "%d/%d workers registered (%.1f s)", count, count, started.elapsed))
    }

    /// Says which process failed, with the tail of its log.
    private func diagnoseTimeout(_ count: Int, state: ClusterState, api: SchedulerAPI) throws -> ClusterError {
        let running = (try? backend.running(state.services, cluster: state.name)) ?? []
        let schedulerUp = state.scheduler.map { (try? backend.running([$0], cluster: state.name))?.isEmpty == false } ?? false
        let registered = api.identity()?.liveWorkers.count ?? 0
        let suspects: [ServiceRecord]
        if !schedulerUp {
            suspects = state.scheduler.map { [$0] } ?? []
        } else if let dead = state.workers.first(where: { !running.contains($0.name) }) {
            suspects = [dead]
        } else {
            suspects = state.workers + (state.scheduler.map { [$0] } ?? [])
        }
        var details = ""
        for service in suspects.prefix(2) {
            let alive = service.role == .scheduler ? schedulerUp : running.contains(service.name)
            details += "\(service.name) on \(service.node) (\(alive ? "running" : "exited")), last lines of its log:\n"
            if let (runner, command) = try? backend.logSource(for: service, cluster: state.name, tail: 15, follow: false),
               let result = try? runner.run(command, timeout: 15) {
                details += result.stdout.isEmpty ? "(empty)\n" : result.stdout
            }
        }
        let what = suspects.first.map { "; \($0.name) on \($0.node) \(schedulerUp || $0.role == .worker ? "did not register" : "exited")" } ?? ""
        return ClusterError("only \(registered) of \(count) workers registered within \(Int(timeout)) s\(what). "
                            + "Fix the cause shown below, then run `clusterctl up` again (or `clusterctl down` to stop what started)",
                            details: details.trimmingCharacters(in: .newlines))
    }
}
