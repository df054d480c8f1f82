/// What the reconciler tells the user while it applies a plan: a line per step that has no
/// node progress of its own, and each node's workers as they register.
extension Reconciler {
    /// Says what a batch of steps is about to do (preparing a node and starting its services
    /// show on the node's own progress line instead).
    func announce(_ actions: [PlanAction], state: ClusterState) {
        for action in actions {
            switch action {
            case .ensureClusterResources: reporter.step("preparing the security group and key pair")
            case .launchNodes(let role, let ids, let type, _, _):
                reporter.step("launching \(ids.count) \(role.rawValue) instance\(ids.count == 1 ? "" : "s") (\(type)): \(ids.joined(separator: ", "))")
            case .terminateNodes, .deleteClusterResources: break
            // Preparing a node and starting its services show on the node's own progress line.
            case .prepareEnvironment, .startScheduler, .startWorkers: break
            case .stopScheduler(let node): reporter.step("stopping the scheduler on \(node)")
            case .retireWorkers(_, let node, let names, _):
                reporter.step("retiring \(names.joined(separator: ", ")) on \(node) (their data moves to the other workers)")
            case .stopWorkers(let service, let node): reporter.step("stopping \(service) on \(node)")
            case .forgetWorkers(let service, let node):
                reporter.warning("\(service) on \(node) is no longer running; it will be replaced")
            case .waitForWorkers: break
            }
        }
    }

    /// Reports each of `nodes` whose workers' registration changed since `shown`: how many of
    /// its workers registered, and `registered` once all have (a node with only the scheduler,
    /// once it answers).
    func reportRegistration(_ identity: SchedulerIdentity, state: ClusterState, nodes: Set<String>,
                            shown: inout [String: String]) {
        let names = Set(identity.liveWorkers.map(\.name))
        for node in nodes.sorted() {
            let services = state.services.filter { $0.node == node }
            guard !services.isEmpty else { continue }
            let expected = services.flatMap(\.liveWorkerNames)
            let present = expected.filter(names.contains).count
            let detail = expected.isEmpty ? "the scheduler answers" : "\(present)/\(expected.count) workers registered"
            guard shown[node] != detail else { continue }
            shown[node] = detail
            reporter.node(node, present == expected.count ? .registered : .services, detail)
        }
    }
}
