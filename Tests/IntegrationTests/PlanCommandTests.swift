import Foundation
import Testing

/// `clusterctl plan FILE` shows what `up` would change and changes nothing; `--output json`
/// gives the same steps to scripts; `up --dry-run` prints the same as `plan`.
struct PlanCommandTests {
    @Test func planShowsWhatUpWouldDoAndChangesNothing() throws {
        let cluster = try LocalClusterHarness(prefix: "plan")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 2)

        let table = try cluster.clusterctl(["plan", file])
        #expect(table.status == 0, "plan:\n\(table.all)")
        #expect(table.stdout.contains("start the scheduler on localhost"), "plan:\n\(table.stdout)")
        let dryRun = try cluster.clusterctl(["up", file, "--dry-run"])
        #expect(dryRun.stdout == table.stdout, "up --dry-run and plan differ:\n\(dryRun.stdout)\n---\n\(table.stdout)")
        let json = try cluster.clusterctl(["plan", file, "--output", "json"])
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.all)")
        #expect(plan["changes"] as? Bool == true)
        let steps = plan["steps"] as? [[String: Any]] ?? []
        #expect(steps.contains { ($0["action"] as? [String: Any])?["startScheduler"] != nil }, "steps: \(steps)")
        #expect(steps.contains { ($0["summary"] as? String)?.contains("start 2 workers") == true }, "steps: \(steps)")
        #expect(cluster.markedProcesses().isEmpty, "plan started something")
        #expect(!FileManager.default.fileExists(atPath: cluster.home.appendingPathComponent("\(cluster.name)/state.json").path))

        let up = try cluster.clusterctl(["up", file])
        try #require(up.status == 0, "up:\n\(up.all)")
        let after = try cluster.clusterctl(["plan", file, "--output", "json"])
        let unchanged = try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any]
        #expect(unchanged?["changes"] as? Bool == false, "plan after up:\n\(after.all)")
        #expect(try cluster.clusterctl(["plan", file]).stdout.contains("Nothing to do."))
    }
}
