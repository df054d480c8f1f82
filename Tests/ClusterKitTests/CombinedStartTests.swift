import Testing
@testable import ClusterKit

@Suite struct CombinedStartTests {
    @Test func startsRightAfterANodesEnvironmentGoWithIt() {
        let actions: [PlanAction] = [
            .prepareEnvironment(node: "a"), .prepareEnvironment(node: "b"),
            .startScheduler(node: "a"),
            .retireWorkers(service: "s2", node: "b", names: ["s2-0"], stopService: false),
            .startWorkers(service: "s1", node: "a", count: 1),
            .startWorkers(service: "s2", node: "b", count: 2),
            .startWorkers(service: "s3", node: "c", count: 1),
            .waitForWorkers(count: 4),
        ]
        let starts = Reconciler.startsWithEnvironment(actions)
        #expect(starts["a"] == [.startScheduler(node: "a"), .startWorkers(service: "s1", node: "a", count: 1)])
        // A refilled service retires its workers first; a node with no environment step waits.
        #expect(starts["b"] == nil)
        #expect(starts["c"] == nil)
    }

    @Test func theStartLineOfEachServiceGivesItsPid() {
        let output = "clusterctl-env: /opt/env created\nclusterctl-started scheduler 4242\nclusterctl-started c-w1 \n"
        #expect(StartedService.find("scheduler", in: output)?.pid == 4242)
        let withoutPid = StartedService.find("c-w1", in: output)
        #expect(withoutPid != nil && withoutPid?.pid == nil)
        #expect(StartedService.find("c-w2", in: output) == nil)
    }
}
