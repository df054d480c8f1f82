import Foundation
import Testing

/// `workers.per_node` > 1 on a pool with no host to spare: after a partial scale-down, scaling
/// back up refills the host whose service runs short (its live worker retires first, so its
/// data moves) instead of asking for a host the pool does not have.
struct SSHPerNodeScaleTests {
    @Test func scaleDownByOneThenBackUpRefillsTheHost() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.7", "127.0.0.8", "127.0.0.9"])
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "pernode")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.7", workers: ["127.0.0.8", "127.0.0.9"],
                                        count: 4, perNode: 2)
        let up = try cluster.clusterctl(["up", file], timeout: 600)
        try #require(up.status == 0, "up:\n\(up.all)")
        #expect(try cluster.registeredWorkers() == 4)

        let down = try cluster.clusterctl(["scale", cluster.name, "3"], timeout: 300)
        try #require(down.status == 0, "scale 3:\n\(down.all)")
        #expect(try cluster.registeredWorkers() == 3)
        // A collection held by the workers survives the refill below.
        let persisted = try cluster.python(ChaosTests.persist)
        try #require(persisted.stdout.contains("PUBLISHED"), "persist:\n\(persisted.all)")

        let back = try cluster.clusterctl(["scale", cluster.name, "4"], timeout: 300)
        #expect(back.status == 0, "scale 4 after scale 3:\n\(back.all)")
        #expect(!back.all.contains("but the pool has 2"), "scale 4:\n\(back.all)")
        #expect(try cluster.registeredWorkers() == 4)
        let read = try cluster.python(ChaosTests.readPublished)
        #expect(read.stdout.contains("SUM 4950"), "the collection after the refill:\n\(read.all)")
        let hosts = ((try cluster.status()["workers"] as? [String: Any])?["list"] as? [[String: Any]] ?? [])
            .compactMap { $0["host"] as? String }
        #expect(hosts.filter { $0 == "127.0.0.8" }.count == 2 && hosts.filter { $0 == "127.0.0.9" }.count == 2, "hosts: \(hosts)")
    }
}
