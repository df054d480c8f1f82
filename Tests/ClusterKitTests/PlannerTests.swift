import Testing
@testable import ClusterKit

/// Places every new worker group on one node, named g0, g1, ... like the local provider.
struct OneNodePlacement: WorkerPlacement {
    func place(adding count: Int, beside existing: [ServiceRecord], spec: ClusterSpec) throws -> [(service: String, node: String, count: Int)] {
        var index = 0
        while existing.contains(where: { $0.name == "g\(index)" }) { index += 1 }
        return [("g\(index)", "n1", count)]
    }
}

@Suite struct PlannerTests {
    let planner = Planner(placement: OneNodePlacement(),
                          nodes: FixedNodes(scheduler: "n1", workers: ["n1"], sharesSchedulerHost: true))

    func spec(workers: Int, threads: Int = 1) -> ClusterSpec {
        ClusterSpec(name: "c", provider: .local(LocalProviderSpec()), workers: WorkersSpec(count: workers, threads: threads))
    }

    func state(_ spec: ClusterSpec, groups: [(String, Int)]) -> ClusterState {
        ClusterState(spec: spec, endpoint: SchedulerEndpoint(host: "127.0.0.1", port: 1, dashboardPort: 2),
                     services: [ServiceRecord(name: "scheduler", role: .scheduler, node: "n1")]
                        + groups.map { ServiceRecord(name: $0.0, role: .worker, node: "n1", workerCount: $0.1) })
    }

    @Test func freshClusterStartsSchedulerThenWorkers() throws {
        let plan = try planner.plan(desired: spec(workers: 2), state: nil, observed: .nothing)
        #expect(plan.actions == [.prepareEnvironment(node: "n1"), .startScheduler(node: "n1"),
                                 .startWorkers(service: "g0", node: "n1", count: 2), .waitForWorkers(count: 2)])
    }

    @Test func matchingClusterNeedsNothing() throws {
        let s = spec(workers: 2)
        let observed = Observation(schedulerRunning: true, runningServices: ["g0"])
        let plan = try planner.plan(desired: s, state: state(s, groups: [("g0", 2)]), observed: observed)
        #expect(plan.isEmpty)
    }

    @Test func scaleUpAddsAGroup() throws {
        let s = spec(workers: 2)
        let observed = Observation(schedulerRunning: true, runningServices: ["g0"])
        let plan = try planner.plan(desired: spec(workers: 3), state: state(s, groups: [("g0", 2)]), observed: observed)
        #expect(plan.actions == [.prepareEnvironment(node: "n1"), .startWorkers(service: "g1", node: "n1", count: 1),
                                 .waitForWorkers(count: 3)])
    }

    @Test func scaleDownRetiresNewestFirst() throws {
        let s = spec(workers: 3)
        let observed = Observation(schedulerRunning: true, runningServices: ["g0", "g1"])
        let plan = try planner.plan(desired: spec(workers: 1), state: state(s, groups: [("g0", 2), ("g1", 1)]), observed: observed)
        #expect(plan.actions == [
            .retireWorkers(service: "g1", node: "n1", names: ["g1"], stopService: true),
            .retireWorkers(service: "g0", node: "n1", names: ["g0-1"], stopService: false),
            .waitForWorkers(count: 1),
        ])
    }

    @Test func deadGroupIsReplaced() throws {
        let s = spec(workers: 2)
        let observed = Observation(schedulerRunning: true, runningServices: [])
        let plan = try planner.plan(desired: s, state: state(s, groups: [("g0", 2)]), observed: observed)
        #expect(plan.actions == [.forgetWorkers(service: "g0", node: "n1"), .prepareEnvironment(node: "n1"),
                                 .startWorkers(service: "g0", node: "n1", count: 2), .waitForWorkers(count: 2)])
    }

    @Test func deadSchedulerRestartsEverything() throws {
        let s = spec(workers: 1)
        let observed = Observation(schedulerRunning: false, runningServices: ["g0"])
        let plan = try planner.plan(desired: s, state: state(s, groups: [("g0", 1)]), observed: observed)
        #expect(plan.actions == [.stopWorkers(service: "g0", node: "n1"), .prepareEnvironment(node: "n1"),
                                 .startScheduler(node: "n1"), .startWorkers(service: "g0", node: "n1", count: 1),
                                 .waitForWorkers(count: 1)])
    }

    /// A scheduler whose node did not answer is neither running nor stopped: nothing is planned.
    @Test func unknownSchedulerChangesNothing() throws {
        let s = spec(workers: 2)
        let observed = Observation(schedulerRunning: false, runningServices: ["g1"],
                                   unknown: ["scheduler": "n1: timed out"])
        let error = #expect(throws: ClusterError.self) {
            try planner.plan(desired: s, state: state(s, groups: [("g0", 1), ("g1", 1)]), observed: observed)
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("cannot tell whether the scheduler runs (n1: timed out)"))
    }

    /// An unknown worker group is left as it is: not forgotten, not replaced, not retired.
    @Test func unknownWorkersAreLeftAlone() throws {
        let s = spec(workers: 2)
        let observed = Observation(schedulerRunning: true, runningServices: ["g0"], unknown: ["g1": "n2: refused"])
        let same = try planner.plan(desired: s, state: state(s, groups: [("g0", 1), ("g1", 1)]), observed: observed)
        #expect(same.isEmpty, "\(same.actions)")
        let down = try planner.plan(desired: spec(workers: 1), state: state(s, groups: [("g0", 1), ("g1", 1)]), observed: observed)
        #expect(down.actions == [.retireWorkers(service: "g0", node: "n1", names: ["g0"], stopService: true),
                                 .waitForWorkers(count: 1)])
    }

    /// Replacing every service would stop an unknown one: refused, naming it.
    @Test func replacementWithUnknownWorkersIsRefused() throws {
        let observed = Observation(schedulerRunning: true, runningServices: ["g0"], unknown: ["g1": "n2: refused"])
        let error = #expect(throws: ClusterError.self) {
            try planner.plan(desired: spec(workers: 2, threads: 4), state: state(spec(workers: 2), groups: [("g0", 1), ("g1", 1)]),
                             observed: observed)
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("g1 on n1: n2: refused"))
    }

    @Test func changedSettingReplacesAllServices() throws {
        let old = spec(workers: 1, threads: 1)
        let observed = Observation(schedulerRunning: true, runningServices: ["g0"])
        let plan = try planner.plan(desired: spec(workers: 1, threads: 4), state: state(old, groups: [("g0", 1)]), observed: observed)
        #expect(plan.actions.first == .stopWorkers(service: "g0", node: "n1"))
        #expect(plan.actions.contains(.stopScheduler(node: "n1")))
        #expect(plan.actions.contains(.startScheduler(node: "n1")))
    }

    @Test func teardownStopsWorkersBeforeTheScheduler() {
        let s = spec(workers: 2)
        let plan = planner.teardown(state: state(s, groups: [("g0", 1), ("g1", 1)]))
        #expect(plan.actions == [.stopWorkers(service: "g0", node: "n1"), .stopWorkers(service: "g1", node: "n1"),
                                 .stopScheduler(node: "n1")])
    }
}
