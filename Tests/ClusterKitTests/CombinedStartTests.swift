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

    @Test func aFailureBeforeTheStartKeepsItsOwnStatusAndReason() throws {
        let report = StartedService.report("w1", what: "w1", start: "echo running 77")
        let runner = LocalRunner()
        let started = try runner.run("true && " + report, timeout: 30)
        #expect(started.exitCode == 0 && StartedService.find("w1", in: started.stdout)?.pid == 77, "\(started)")
        // The bootstrap before it failed: its status and reason stand, the start does not run.
        let earlier = try runner.run("(echo 'clusterctl: no python' >&2; exit 30) && " + report, timeout: 30)
        #expect(earlier.exitCode == 30, "\(earlier)")
        #expect(!earlier.stderr.contains("could not start") && earlier.stderr.contains("no python"), "\(earlier)")
        let failed = try runner.run("true && " + StartedService.report("w1", what: "w1", start: "exit 3"), timeout: 30)
        #expect(failed.exitCode != 0 && failed.stderr.contains("clusterctl: could not start w1"), "\(failed)")
    }
}
