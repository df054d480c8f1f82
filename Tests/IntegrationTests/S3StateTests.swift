import ClusterKit
import Foundation
import Testing

/// Cluster state kept in S3 (`state: s3://bucket/prefix`) against moto with signatures
/// checked: conditional writes make one of two concurrent writers fail clearly, and the
/// object stays whole.
@Suite(.serialized)
struct S3StateTests {
    static let url = "s3://team-state/clusterctl"

    func homes(_ base: URL, _ who: String) -> Homes {
        Homes(state: base.appendingPathComponent("\(who)/state"), cache: base.appendingPathComponent("\(who)/cache"))
    }

    func state(workers: Int) -> ClusterState {
        ClusterState(spec: ClusterSpec(name: "shared", provider: .local(LocalProviderSpec()),
                                       workers: WorkersSpec(count: workers)),
                     endpoint: SchedulerEndpoint(host: "127.0.0.1", port: 8786, dashboardPort: 8787))
    }

    @Test func twoWritersOneConflictAndTheStateStaysWhole() throws {
        let moto = try LoopbackMoto()
        defer { moto.stop() }
        try moto.createBucket("team-state")
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("s3state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let alice = try StateStore(homes: homes(base, "alice"), url: Self.url, environment: moto.environment)
        let bob = try StateStore(homes: homes(base, "bob"), url: Self.url, environment: moto.environment)

        // Both find no state and both create it: the second creation loses.
        #expect(try alice.load("shared") == nil)
        #expect(try bob.load("shared") == nil)
        try alice.save(state(workers: 3))
        #expect { try bob.save(state(workers: 7)) } throws: { error in
            error is StateConflict && "\(error)".contains("changed by another clusterctl command")
        }
        let reader = try StateStore(homes: homes(base, "carol"), url: Self.url, environment: moto.environment)
        #expect(try reader.load("shared")?.spec.workers.count == 3)

        // Both read the same version and both write: the second write loses again.
        _ = try alice.load("shared")
        _ = try bob.load("shared")
        try bob.save(state(workers: 5))
        #expect(throws: StateConflict.self) { try alice.save(state(workers: 9)) }
        #expect(try reader.load("shared")?.spec.workers.count == 5)
        // A writer that reads again goes through.
        _ = try alice.load("shared")
        try alice.save(state(workers: 9))
        #expect(try reader.load("shared")?.spec.workers.count == 9)
        #expect(try reader.names() == ["shared"])
    }

    /// Six writers at once: every one either writes or gets a clear conflict, and the object is
    /// one whole state. (moto checks conditions without a lock, so now and then two creations
    /// both pass there; S3 itself lets exactly one through. The interleaved test above pins
    /// the protocol down.)
    @Test func manyWritersAtOnceEndWithOneWholeState() throws {
        let moto = try LoopbackMoto()
        defer { moto.stop() }
        try moto.createBucket("team-state")
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("s3state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let stores = try (0..<6).map { try StateStore(homes: homes(base, "w\($0)"), url: Self.url, environment: moto.environment) }
        let outcomes = Outcomes()
        DispatchQueue.concurrentPerform(iterations: stores.count) { index in
            do {
                try stores[index].save(state(workers: index + 1))
                outcomes.add("won")
            } catch is StateConflict {
                outcomes.add("conflict")
            } catch {
                outcomes.add("other: \(error)")
            }
        }
        #expect(outcomes.all.allSatisfy { $0 == "won" || $0 == "conflict" }, "outcomes: \(outcomes.all)")
        #expect(outcomes.all.contains("won") && outcomes.all.contains("conflict"), "outcomes: \(outcomes.all)")
        let stored = try stores[0].load("shared")?.spec.workers.count ?? 0
        #expect((1...6).contains(stored))
    }

    @Test func listReadsTheClustersOfAnS3Location() throws {
        let moto = try LoopbackMoto()
        defer { moto.stop() }
        try moto.createBucket("team-state")
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("s3state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        try StateStore(homes: homes(base, "alice"), url: Self.url, environment: moto.environment).save(state(workers: 2))
        let list = try moto.clusterctl(["list", "--state", Self.url, "--home", base.appendingPathComponent("bob").path],
                                       moto.environment)
        #expect(list.status == 0, "list:\n\(list.all)")
        #expect(list.stdout.contains("shared"), "list:\n\(list.stdout)")
        let missingBucket = try moto.clusterctl(["list", "--state", "s3://no-such-bucket/x"], moto.environment)
        #expect(missingBucket.status == 1)
        #expect(missingBucket.stderr.contains("NoSuchBucket"), "no bucket:\n\(missingBucket.all)")
    }
}

/// What several threads report.
private final class Outcomes: @unchecked Sendable {
    // Guarded by `lock`.
    private var outcomes: [String] = []
    private let lock = NSLock()
    func add(_ outcome: String) { lock.withLock { outcomes.append(outcome) } }
    var all: [String] { lock.withLock { outcomes } }
}
