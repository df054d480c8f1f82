import Testing
@testable import ClusterKit

/// A provider that makes nodes, as ec2 does, without any cloud: planning never calls out.
final class LaunchingNodes: NodeProvider {
    var makesNodes: Bool { true }
    var schedulerNodeId: String { "scheduler" }
    func newWorkerNodeIds(count: Int, used: Set<String>) -> [String] {
        let next = (used.compactMap { $0.hasPrefix("w") ? Int($0.dropFirst()) : nil }.max() ?? -1) + 1
        return (next..<next + count).map { "w\($0)" }
    }
    func sharedResourceLines() -> [String] { ["security group", "key pair"] }
    func ensureSharedResources(report: (String) -> Void) {}
    func deleteSharedResources(report: (String) -> Void) {}
    func launchDescription(for role: NodeRole) -> (instanceType: String, image: String, hourlyCost: Double?) {
        (role == .scheduler ? "t3.small" : "m6i.large", "ami-1", role == .scheduler ? 0.02 : 0.1)
    }
    func create(_ nodes: [NodeRecord]) -> [NodeRecord] { nodes }
    func waitUntilRunning(_ nodes: [NodeRecord], report: (String) -> Void) -> [NodeRecord] { nodes }
    func terminate(_ nodes: [NodeRecord], report: (String) -> Void) {}
    func list() -> [NodeRecord] { [] }
    func liveNodeIds() -> Set<String> { [] }
    func record(_ phase: NodePhase, of nodes: [NodeRecord]) {}
}

/// One worker service per node, `per_node` workers each, on the provider's new node ids (as
/// SSHBackend places them).
struct PerNodePlacement: WorkerPlacement {
    let nodes: NodeProvider
    func place(adding count: Int, beside existing: [ServiceRecord], spec: ClusterSpec) throws -> [(service: String, node: String, count: Int)] {
        let per = spec.workers.perNode
        var left = count
        return try nodes.newWorkerNodeIds(count: (count + per - 1) / per, used: Set(existing.map(\.node))).map { id in
            let here = min(per, left)
            left -= here
            return ("c-\(id)", id, here)
        }
    }
}

@Suite struct NodePlanningTests {
    let nodes = LaunchingNodes()
    var planner: Planner { Planner(placement: PerNodePlacement(nodes: nodes), nodes: nodes) }

    func spec(workers: Int, perNode: Int = 1) -> ClusterSpec {
        ClusterSpec(name: "c", provider: .ec2(EC2ProviderSpec(allowedCIDRs: ["10.0.0.0/8"])),
                    workers: WorkersSpec(count: workers, perNode: perNode))
    }

    /// A running cluster: the scheduler node plus one node per worker service.
    func state(_ spec: ClusterSpec, workerNodes: [String]) -> ClusterState {
        var state = ClusterState(spec: spec, endpoint: SchedulerEndpoint(host: "10.0.0.1", port: 8786, dashboardPort: 8787))
        state.nodes = (["scheduler"] + workerNodes).map {
            NodeRecord(id: $0, role: $0 == "scheduler" ? .scheduler : .worker, phase: .registered, instanceId: "i-\($0)")
        }
        state.services = [ServiceRecord(name: "scheduler", role: .scheduler, node: "scheduler")]
            + workerNodes.map { ServiceRecord(name: "c-\($0)", role: .worker, node: $0, workerCount: spec.workers.perNode) }
        return state
    }

    func observed(_ state: ClusterState) -> Observation {
        Observation(schedulerRunning: true, runningServices: Set(state.workers.map(\.name)), liveNodes: Set(state.nodes.map(\.id)))
    }

    @Test func aNewClusterLaunchesOnePerRoleBeforeAnythingRunsOnTheNodes() throws {
        let plan = try planner.plan(desired: spec(workers: 3), state: nil, observed: .nothing)
        #expect(Array(plan.actions.prefix(3)) == [
            .ensureClusterResources(lines: ["security group", "key pair"]),
            .launchNodes(role: .scheduler, ids: ["scheduler"], instanceType: "t3.small", image: "ami-1", hourlyCost: 0.02),
            .launchNodes(role: .worker, ids: ["w0", "w1", "w2"], instanceType: "m6i.large", image: "ami-1", hourlyCost: 0.1),
        ])
        #expect(plan.launches)
        #expect(abs((plan.launchedHourlyCost ?? 0) - 0.32) < 1e-9)
        #expect(plan.actions.contains(.prepareEnvironment(node: "w2")))
        #expect(plan.actions.last == .waitForWorkers(count: 3))
    }

    @Test func anUnchangedClusterPlansNoLaunch() throws {
        let spec = spec(workers: 2)
        let state = state(spec, workerNodes: ["w0", "w1"])
        let plan = try planner.plan(desired: spec, state: state, observed: observed(state))
        #expect(plan.isEmpty)
        #expect(!plan.launches)
    }

    @Test func scalingUpLaunchesOnlyTheNewNodesWithIdsAfterTheHighest() throws {
        let state = state(spec(workers: 2), workerNodes: ["w0", "w3"])
        let plan = try planner.plan(desired: spec(workers: 4), state: state, observed: observed(state))
        #expect(plan.actions.contains(.launchNodes(role: .worker, ids: ["w4", "w5"], instanceType: "m6i.large",
                                                   image: "ami-1", hourlyCost: 0.1)))
        #expect(!plan.actions.contains { if case .launchNodes(.scheduler, _, _, _, _) = $0 { return true } else { return false } })
    }

    @Test func scalingDownRetiresFirstThenTerminatesTheEmptiedNodes() throws {
        let state = state(spec(workers: 3), workerNodes: ["w0", "w1", "w2"])
        let plan = try planner.plan(desired: spec(workers: 1), state: state, observed: observed(state))
        let retire = plan.actions.firstIndex { if case .retireWorkers = $0 { return true } else { return false } }
        let terminate = plan.actions.firstIndex(of: .terminateNodes(ids: ["w1", "w2"]))
        #expect(retire != nil && terminate != nil && retire! < terminate!)
    }

    @Test func aPartlyRetiredNodeIsKept() throws {
        let state = state(spec(workers: 4, perNode: 2), workerNodes: ["w0", "w1"])
        let plan = try planner.plan(desired: spec(workers: 3, perNode: 2), state: state, observed: observed(state))
        #expect(!plan.actions.contains { if case .terminateNodes = $0 { return true } else { return false } })
    }

    @Test func aNodeThatIsGoneIsTerminatedAndItsWorkersReplacedOnANewInstance() throws {
        let spec = spec(workers: 2)
        let state = state(spec, workerNodes: ["w0", "w1"])
        var seen = observed(state)
        seen.liveNodes.remove("w1")
        seen.runningServices.remove("c-w1")
        let plan = try planner.plan(desired: spec, state: state, observed: seen)
        #expect(plan.actions.first == .terminateNodes(ids: ["w1"]))
        #expect(plan.actions.contains(.launchNodes(role: .worker, ids: ["w1"], instanceType: "m6i.large",
                                                   image: "ami-1", hourlyCost: 0.1)))
        #expect(plan.actions.contains(.startWorkers(service: "c-w1", node: "w1", count: 1)))
    }

    @Test func aNodeLeftRequestedByAnInterruptedLaunchIsLaunchedAgain() throws {
        let spec = spec(workers: 1)
        var state = ClusterState(spec: spec, endpoint: SchedulerEndpoint(host: "", port: 0, dashboardPort: 0))
        state.nodes = [NodeRecord(id: "scheduler", role: .scheduler, phase: .requested, clientToken: "t1"),
                       NodeRecord(id: "w0", role: .worker, phase: .requested, clientToken: "t2")]
        let plan = try planner.plan(desired: spec, state: state, observed: .nothing)
        #expect(plan.actions.contains(.launchNodes(role: .worker, ids: ["w0"], instanceType: "m6i.large",
                                                   image: "ami-1", hourlyCost: 0.1)))
        #expect(!plan.actions.contains { if case .terminateNodes = $0 { return true } else { return false } })
    }

    @Test func teardownTerminatesEveryNodeThenDeletesTheSharedResources() {
        let state = state(spec(workers: 2), workerNodes: ["w0", "w1"])
        #expect(planner.teardown(state: state).actions == [.terminateNodes(ids: ["scheduler", "w0", "w1"]),
                                                           .deleteClusterResources])
    }
}
