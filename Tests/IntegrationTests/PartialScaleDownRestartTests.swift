import Foundation
import Testing

/// A scale-down that retires some of a service's workers (not all) also changes what the
/// service's keeper starts when it restarts it: a killed service comes back with the workers
/// that remained, under their names, not with the retired ones too.
struct PartialScaleDownRestartTests {
    /// The command line of process `pid`, as its words.
    static func arguments(of pid: Int32) -> [String] {
        (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data())
            .split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func aRestartAfterAPartialScaleDownKeepsTheRemainingWorkersOnly() throws {
        let cluster = try LocalClusterHarness(prefix: "partial")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 3)
        let up = try cluster.clusterctl(["up", file])
        try #require(up.status == 0, "up:\n\(up.all)")
        let service = try #require((cluster.status()["services"] as? [[String: Any]] ?? [])
            .first { $0["role"] as? String == "worker" }?["name"] as? String)

        // 3 -> 2 -> 1: the service keeps running, with fewer workers each time.
        for count in [2, 1] {
            let scale = try cluster.clusterctl(["scale", cluster.name, String(count)])
            try #require(scale.status == 0, "scale \(count):\n\(scale.all)")
            #expect(try cluster.registeredWorkers() == count)
        }
        let killed = try #require(cluster.serviceProcess(service))
        try #require(kill(killed, SIGKILL) == 0)

        // Its keeper starts it again, by itself, with the one remaining worker's name.
        var restarted: Int32?
        let back = eventually(within: 120, every: 0.1) {
            // (A nanny of the killed process, orphaned for a moment, is no `dask worker` command.)
            restarted = cluster.serviceProcess(service).flatMap { $0 == killed ? nil : $0 }
            return restarted.map { Self.arguments(of: $0).contains("--nworkers") } ?? false
        }
        try #require(back, "\(service) was not restarted")
        let arguments = Self.arguments(of: restarted!)
        let option = { (name: String) in arguments.firstIndex(of: name).map { arguments[$0 + 1] } }
        #expect(option("--nworkers") == "1" && option("--name") == "\(service)-0", "restarted as: \(arguments)")

        // The client sees exactly that worker come back.
        let names = try cluster.python("""
            import os
            from distributed import Client
            with Client(os.environ["ADDRESS"], timeout=60) as client:
                client.wait_for_workers(1, timeout=120)
                print("NAMES", sorted(w["name"] for w in client.scheduler_info()["workers"].values()))
            """)
        #expect(names.stdout.contains("NAMES ['\(service)-0']"), "after the restart:\n\(names.all)")
        let status = try cluster.status()
        #expect((status["workers"] as? [String: Any])?["desired"] as? Int == 1, "status: \(status)")

        // Scaling up again starts the service afresh with the full count.
        let again = try cluster.clusterctl(["scale", cluster.name, "3"])
        #expect(again.status == 0, "scale 3:\n\(again.all)")
        #expect(try cluster.registeredWorkers() == 3)
    }
}
