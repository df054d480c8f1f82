import ClusterKit
import Foundation
import Testing

/// A node that cannot be asked is unknown, never taken for stopped: `status` says so and why,
/// and `up` neither stops nor replaces anything because of it.
@Suite(.serialized)
struct UnreachableNodeTests {
    @Test func unreachableNodesAreUnknownAndNothingIsStoppedBecauseOfThem() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2", "127.0.0.3", "127.0.0.4"])
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "unk")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.3", "127.0.0.4"], count: 2)
        let up = try cluster.clusterctl(["up", file], timeout: 600)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        let before = Set(cluster.markedProcesses())

        // A worker host's sshd goes away (its Dask worker still runs).
        pool.stop("127.0.0.4")
        let status = try cluster.status()
        #expect(status["phase"] as? String == "unknown")
        let services = status["services"] as? [[String: Any]] ?? []
        let states = Dictionary(services.map { ($0["node"] as? String ?? "", $0["state"] as? String ?? "") }) { first, _ in first }
        #expect(states["127.0.0.4"] == "unknown" && states["127.0.0.3"] == "running" && states["127.0.0.2"] == "running",
                "states: \(states)")
        #expect((status["problems"] as? [String] ?? []).contains { $0.contains("127.0.0.4") }, "problems: \(status["problems"] ?? "")")
        let table = try cluster.clusterctl(["status", cluster.name])
        #expect(table.stdout.contains("unknown") && table.stdout.contains("could not check:"), "status:\n\(table.all)")
        // up leaves the unknown group alone and changes nothing else: its workers are still registered.
        let again = try cluster.clusterctl(["up", file], timeout: 300)
        #expect(again.status == 0, "up with an unknown worker host:\n\(again.all)")
        #expect(again.stderr.contains("cannot tell whether") && again.stderr.contains("127.0.0.4"), "up:\n\(again.all)")
        #expect(Set(cluster.markedProcesses()) == before, "processes changed while a host was unknown")

        // The scheduler's host too: up refuses, naming it, and stops nothing.
        pool.stop("127.0.0.2")
        let blind = try cluster.clusterctl(["up", file], timeout: 300)
        #expect(blind.status == 1)
        #expect(blind.stderr.contains("cannot tell whether the scheduler runs") && blind.stderr.contains("127.0.0.2"),
                "up with an unknown scheduler:\n\(blind.all)")
        #expect(Set(cluster.markedProcesses()) == before, "processes changed while the scheduler was unknown")
        let schedulerState = (try cluster.status()["scheduler"] as? [String: Any])?["state"] as? String
        #expect(schedulerState == "unknown")

        // Access back: nothing to do.
        try pool.start("127.0.0.2")
        try pool.start("127.0.0.4")
        let healed = try cluster.clusterctl(["up", file], timeout: 300)
        #expect(healed.status == 0 && healed.stdout.contains("up to date"), "after healing:\n\(healed.all)")
        #expect(try cluster.registeredWorkers() == 2)
        let down = try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300)
        #expect(down.status == 0, "down:\n\(down.all)")
        #expect(cluster.markedProcesses().isEmpty)
    }

    /// What a host said about itself is kept in the state; when the host has changed since, the
    /// first failure that contradicts it makes clusterctl ask again instead of failing (or
    /// deciding) on stale facts.
    @Test func staleHostFactsAreProbedAgain() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2", "127.0.0.3"])
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "facts")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.3"], count: 1)
        let up = try cluster.clusterctl(["up", file], timeout: 600)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        let before = Set(cluster.markedProcesses())

        // The state now claims the worker host runs systemd (it does not: it was "reinstalled").
        let stateFile = cluster.home.appendingPathComponent("\(cluster.name)/state.json")
        var state = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: stateFile)) as? [String: Any])
        var facts = try #require(state["nodeFacts"] as? [String: [String: Any]])
        try #require(facts["127.0.0.3"] != nil, "no facts for the worker host: \(facts.keys)")
        facts["127.0.0.3"]?["systemd"] = true
        state["nodeFacts"] = facts
        try JSONSerialization.data(withJSONObject: state).write(to: stateFile)

        let again = try cluster.clusterctl(["up", file], timeout: 300)
        #expect(again.status == 0 && again.stdout.contains("up to date"), "up on stale facts:\n\(again.all)")
        #expect(Set(cluster.markedProcesses()) == before, "services were replaced because of stale facts")
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: stateFile)) as? [String: Any]
        let workerFacts = (saved?["nodeFacts"] as? [String: [String: Any]])?["127.0.0.3"]
        #expect(workerFacts?["systemd"] as? Bool == false, "the fresh facts were not kept: \(workerFacts ?? [:])")
        let down = try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300)
        #expect(down.status == 0, "down:\n\(down.all)")
        #expect(cluster.markedProcesses().isEmpty)
    }

    /// A new cluster on hosts an earlier one used starts from what they said then (kept in the
    /// cache, not asked again); a host that changed meanwhile is asked again where the old
    /// facts make a step fail, and the cache takes the new answer.
    @Test func hostFactsAreKeptAcrossClustersAndAskedAgainWhenStale() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2", "127.0.0.3"])
        defer { pool.stop() }
        let cache = HostFactsCache(homes: Homes.resolve(home: nil)).directory
        let workerFacts = cache.appendingPathComponent("\(NSUserName())@127.0.0.3_\(pool.port).json")
        defer { try? FileManager.default.removeItem(at: workerFacts) }
        // The worker host "was reinstalled" since an earlier cluster said it runs systemd.
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        let uid = String(getuid())
        let stale = #"{"uid":"\#(uid)","home":"/nonexistent","systemd":true,"privilege":"root"}"#
        try Data(stale.utf8).write(to: workerFacts)

        let cluster = try LocalClusterHarness(prefix: "hostfacts")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.3"], count: 1)
        let up = try cluster.clusterctl(["up", file], timeout: 600)
        try #require(up.status == 0, "up on stale cached facts:\n\(up.all)")
        #expect(try cluster.python(LocalClusterLifecycleTests.computeScript).stdout.contains("RESULT -285"))
        let kept = try JSONSerialization.jsonObject(with: Data(contentsOf: workerFacts)) as? [String: Any]
        #expect(kept?["systemd"] as? Bool == false && kept?["home"] as? String != "/nonexistent",
                "the cache kept the stale facts: \(kept ?? [:])")
        let schedulerFacts = cache.appendingPathComponent("\(NSUserName())@127.0.0.2_\(pool.port).json")
        #expect(FileManager.default.fileExists(atPath: schedulerFacts.path), "the scheduler host's facts were not kept")
        try? FileManager.default.removeItem(at: schedulerFacts)
        let down = try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300)
        #expect(down.status == 0, "down:\n\(down.all)")
        #expect(cluster.markedProcesses().isEmpty)
    }
}
