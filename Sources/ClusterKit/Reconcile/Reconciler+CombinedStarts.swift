import Foundation

/// A node's environment and the service starts that follow it, as one job through a backend
/// that does both in one round trip (`CombinedStarts`).
extension Reconciler {
    /// The starts of the scheduler and of worker services that run on a node right after its
    /// environment is prepared in `actions`, by node; a refilled service (retired first) is not
    /// among them.
    static func startsWithEnvironment(_ actions: [PlanAction]) -> [String: [PlanAction]] {
        var prepared = Set<String>()
        var retired = Set<String>()
        for action in actions {
            if case .prepareEnvironment(let node) = action { prepared.insert(node) }
            if case .retireWorkers(let service, _, _, _) = action { retired.insert(service) }
        }
        var starts: [String: [PlanAction]] = [:]
        for action in actions {
            switch action {
            case .startScheduler(let node) where prepared.contains(node):
                starts[node, default: []].append(action)
            case .startWorkers(let service, let node, _) where prepared.contains(node) && !retired.contains(service):
                starts[node, default: []].append(action)
            default:
                break
            }
        }
        return starts
    }

    /// Prepares `node`'s environment and starts `starts` there in one job, through a backend
    /// that does it in one round trip; waits for `endpoint` once the node is reached.
    func prepareAndStart(_ node: String, _ starts: [PlanAction], through combined: CombinedStarts, spec: ClusterSpec,
                                 state: ClusterState, endpoint: Settled<SchedulerEndpoint>) throws -> (inout ClusterState) -> Void {
        let known = try reachForEnvironment(node, spec: spec, state: state)
        let services: [ServiceStart] = starts.compactMap { action in
            switch action {
            case .startScheduler: return .scheduler
            case .startWorkers(let service, _, let count): return .workers(service: service, count: count)
            default: return nil
            }
        }
        let what = services.map { start -> String in
            switch start {
            case .scheduler: return "the scheduler"
            case .workers(let service, let count): return "\(count) worker\(count == 1 ? "" : "s") (\(service))"
            }
        }.joined(separator: " and ")
        reporter.node(node, .environment, "checking the Python environment, then starting \(what)")
        let records = try combined.prepareAndStart(on: node, spec: spec, starts: services, endpoint: { try endpoint.wait() }) {
            reporter.node(node, .environment, $0)
        }
        let started = records.map { $0.role == .scheduler ? "scheduler started" : "\($0.name) started" }.joined(separator: "; ")
        reporter.node(node, .services, started + (records.contains { $0.role == .worker } ? "; waiting for its workers to register" : ""))
        let path = backend.environmentPath
        return { state in
            state.environmentPath = path
            if state.node(node) == nil, let known { state.upsert(known) }
            state.advance([node], to: .environmentReady)
            for record in records {
                state.services.removeAll { $0.name == record.name }
                if record.role == .scheduler { state.services.insert(record, at: 0) } else { state.services.append(record) }
            }
            state.advance([node], to: .servicesActive)
        }
    }
}
