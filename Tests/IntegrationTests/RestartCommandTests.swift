import Foundation
import Testing

/// `clusterctl restart NAME` restarts every worker (new processes, memory cleared, as
/// `Client.restart` does) and returns once they are all registered again.
struct RestartCommandTests {
    static let workerPids = """
    import os
    from distributed import Client
    with Client(os.environ["ADDRESS"], timeout=30) as client:
        print(" ".join(sorted(str(pid) for pid in client.run(os.getpid).values())))
    """

    @Test func restartGivesEveryWorkerANewProcess() throws {
        let cluster = try LocalClusterHarness(prefix: "restart")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 2)
        let up = try cluster.clusterctl(["up", file])
        try #require(up.status == 0, "up:\n\(up.all)")
        let before = try cluster.python(Self.workerPids).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(before.split(separator: " ").count == 2, "worker pids: \(before)")

        let restart = try cluster.clusterctl(["restart", cluster.name], timeout: 300)
        #expect(restart.status == 0 && restart.stdout.contains("2 workers registered again"), "restart:\n\(restart.all)")
        #expect(try cluster.registeredWorkers() == 2)
        let after = try cluster.python(Self.workerPids).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Set(after.split(separator: " ")).isDisjoint(with: before.split(separator: " ")),
                "the same worker processes after restart: \(before) -> \(after)")
        #expect(try cluster.python(LocalClusterLifecycleTests.computeScript).stdout.contains("RESULT -285"))

        let down = try cluster.clusterctl(["down", cluster.name, "--yes"])
        #expect(down.status == 0)
        let stopped = try cluster.clusterctl(["restart", cluster.name])
        #expect(stopped.status == 1 && stopped.stderr.contains("is down"), "restart of a down cluster:\n\(stopped.all)")
    }
}
