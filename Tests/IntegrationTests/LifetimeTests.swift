import Foundation
import Testing

/// `lifetime.no_client` is enforced by the scheduler on its node: with no clusterctl command
/// running, a cluster no client has used for that long stops, workers and all, stays stopped,
/// and `status` says so and why; while a client is connected it runs on. `up` starts it again.
struct LifetimeTests {
    @Test func aClusterWithoutAClientForTenSecondsStopsByItself() throws {
        let cluster = try LocalClusterHarness(prefix: "lifetime")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 2, extra: "lifetime:\n  no_client: 10s")
        let up = try cluster.clusterctl(["up", file])
        try #require(up.status == 0, "up:\n\(up.all)")
        let shown = try cluster.clusterctl(["status", cluster.name])
        #expect(shown.stdout.contains("lifetime:") && shown.stdout.contains("(lifetime.no_client)"), "status:\n\(shown.stdout)")

        // A client connected for longer than the limit keeps the cluster running.
        let kept = try cluster.python("""
            import os, time
            from distributed import Client
            with Client(os.environ["ADDRESS"], timeout=30) as client:
                client.wait_for_workers(2, timeout=120)
                first = client.submit(sum, range(100)).result(timeout=60)
                time.sleep(15)
                print("STILL", first, client.submit(sum, range(100), pure=False).result(timeout=60))
            """, timeout: 240)
        #expect(kept.stdout.contains("STILL 4950 4950"), "with a client connected:\n\(kept.all)")

        // Then, with no client and no clusterctl command, every Dask process and watcher ends.
        let stopped = eventually(within: 180, every: 0.5) { cluster.markedProcesses().isEmpty && cluster.watcherProcesses().isEmpty }
        #expect(stopped, "still running: \(cluster.markedProcesses()) and watchers \(cluster.watcherProcesses())")
        let status = try cluster.status()
        #expect(status["phase"] as? String == "stopped", "status: \(status)")
        for service in status["services"] as? [[String: Any]] ?? [] {
            #expect(service["last_exit"] as? String == "stopped: lifetime.no_client reached", "service: \(service)")
        }
        let table = try cluster.clusterctl(["status", cluster.name])
        #expect(table.stdout.contains("The cluster stopped itself (stopped: lifetime.no_client reached)"), "status:\n\(table.stdout)")

        // A new lifetime begins with the next up.
        let again = try cluster.clusterctl(["up", file])
        #expect(again.status == 0, "up after it stopped:\n\(again.all)")
        #expect(try cluster.registeredWorkers() == 2)
    }
}
