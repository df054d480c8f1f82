import Foundation

/// `status` and `list`: what runs, asked of the nodes and the scheduler.
extension ClusterController {
    /// The cluster's services and what its scheduler reports.
    public func status(_ reference: ClusterReference) throws -> ClusterStatus {
        let name = try resolve(reference)
        let state = try existingState(name)
        return status(of: state, backend: try Backends.make(for: state.spec, homes: homes, state: state))
    }

    /// The status of `state`, asking `backend` (and its connections) what runs unless `running`
    /// is already known. What could not be asked is reported as unknown, with the reason in
    /// `problems`, never taken for stopped.
    func status(of state: ClusterState, backend: ClusterBackend, running known: Set<String>? = nil) -> ClusterStatus {
        let name = state.name
        var problems: [String] = []
        let states: ServiceStates
        var asked: Result<SchedulerIdentity?, Error>?
        if let known {
            states = ServiceStates(running: known)
        } else {
            // The scheduler's HTTP server is asked while the nodes are (one wait, not two);
            // its answer counts only if the nodes say the scheduler runs.
            let askScheduler = state.scheduler != nil && state.endpoint.port != 0
            let answers = concurrently(askScheduler ? [false, true] : [false]) { isScheduler -> StatusAnswer in
                isScheduler ? .identity(try backend.schedulerAPI(state.endpoint).identity())
                    : .states(try backend.states(of: state.services, cluster: name))
            }
            switch answers[0] {
            case .success(.states(let found)): states = found
            case .success(.identity): preconditionFailure("the first answer is the nodes'")
            case .failure(let error):
                states = ServiceStates(unknown: Dictionary(state.services.map { ($0.name, "\(error)") }) { first, _ in first })
            }
            if askScheduler {
                asked = answers[1].map { if case .identity(let identity) = $0 { identity } else { nil } }
            }
        }
        problems += Set(states.unknown.values).sorted().map { "cannot check services: \($0)" }
        let running = states.running
        let schedulerRunning = state.scheduler.map { running.contains($0.name) } ?? false
        var identity: SchedulerIdentity?
        if schedulerRunning {
            do {
                identity = try (asked ?? Result { try backend.schedulerAPI(state.endpoint).identity() }).get()
                if identity == nil { problems.append("the scheduler's HTTP server does not answer") }
            } catch {
                problems.append("cannot reach the scheduler's HTTP server: \(error)")
            }
        }
        let workers = (identity?.liveWorkers ?? []).map {
            ClusterStatus.Worker(name: $0.name, address: $0.address, host: $0.host, nthreads: $0.nthreads,
                                 memoryLimit: $0.memoryLimit, status: $0.status)
        }
        let desired = state.services.isEmpty ? 0 : state.spec.workers.count
        let phase: String
        let schedulerEnded = state.scheduler.flatMap { states.histories[$0.name]?.lastExit }
            .map { exit in ServiceHistory.lifetimeEnded.values.contains { exit.contains($0) } } ?? false
        if state.services.isEmpty {
            phase = "down"
        } else if !schedulerRunning, schedulerEnded {
            phase = "stopped"
        } else if !states.unknown.isEmpty {
            phase = "unknown"
        } else if schedulerRunning && workers.count == desired && state.services.allSatisfy({ running.contains($0.name) }) {
            phase = "up"
        } else {
            phase = "degraded"
        }
        return ClusterStatus(
            name: name, provider: state.spec.provider.kind, supervisor: state.supervisor.rawValue, phase: phase,
            scheduler: .init(address: state.endpoint.port == 0 ? "(not started)" : state.endpoint.clientAddress,
                             dashboard: dashboardAccess(state), node: state.scheduler?.node, running: schedulerRunning,
                             state: state.scheduler.map { states.state(of: $0.name) } ?? .stopped,
                             dashboardPages: identity?.dashboard,
                             tls: try? clientTLS(of: state), lifetime: identity?.lifetime),
            workers: .init(desired: desired, registered: workers.count, list: workers),
            nodes: state.nodes.map {
                .init(id: $0.id, role: $0.role.rawValue, phase: $0.phase.rawValue, instanceId: $0.instanceId,
                      instanceType: $0.instanceType, publicAddress: $0.publicAddress, privateAddress: $0.privateAddress)
            },
            services: state.services.map {
                .init(name: $0.name, role: $0.role.rawValue, node: $0.node, pid: states.pids[$0.name] ?? $0.pid, running: running.contains($0.name),
                      state: states.state(of: $0.name), restarts: states.histories[$0.name]?.restarts,
                      lastExit: states.histories[$0.name]?.lastExit, gaveUp: states.histories[$0.name]?.gaveUp)
            },
            environment: state.environmentPath, source: state.spec.sourcePath, problems: problems)
    }

    /// What one of status's two concurrent questions returned.
    private enum StatusAnswer {
        case states(ServiceStates)
        case identity(SchedulerIdentity?)
    }

    /// Where the dashboard opens: a URL that works from this machine (the local provider's, a
    /// public dashboard's) or none, and always the `clusterctl dashboard` command.
    func dashboardAccess(_ state: ClusterState) -> ClusterStatus.Dashboard {
        var url: String?
        if state.endpoint.dashboardPort != 0 {
            if case .local = state.spec.provider { url = state.endpoint.dashboard } else { url = state.endpoint.publicDashboard }
        }
        return ClusterStatus.Dashboard(url: url, command: "clusterctl dashboard \(state.name)",
                                       access: state.endpoint.dashboardHost == nil ? .local : .public)
    }

    /// Every cluster in the state home, with its status.
    public func list() throws -> [ClusterStatus] {
        try store.names().map { try status(.name($0)) }
    }
}
