import Foundation
import Testing

/// `down --collect-logs`: every service's log is copied off its node before the cluster stops.
@Suite struct CollectLogsTests {
    @Test func downCollectsEveryServiceLogFirst() throws {
        let cluster = try LocalClusterHarness(prefix: "logs")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 2)
        let up = try cluster.clusterctl(["up", file])
        try #require(up.status == 0, "up:\n\(up.all)")
        let target = cluster.directory.appendingPathComponent("collected")
        let down = try cluster.clusterctl(["down", cluster.name, "--yes", "--collect-logs", target.path])
        #expect(down.status == 0, "down:\n\(down.all)")
        let folders = try FileManager.default.contentsOfDirectory(atPath: target.path)
        try #require(folders.count == 1 && folders[0].hasPrefix(cluster.name + "-"), "collected: \(folders)")
        #expect(down.stdout.contains("Logs collected in \(target.path)/\(folders[0])"))
        let node = target.appendingPathComponent(folders[0]).appendingPathComponent("localhost")
        let scheduler = try String(contentsOf: node.appendingPathComponent("scheduler.log"), encoding: .utf8)
        #expect(scheduler.contains("Scheduler at:"))
        let logs = try FileManager.default.contentsOfDirectory(atPath: node.path).sorted()
        #expect(logs == ["\(cluster.name)-w0.log", "scheduler.log"], "logs: \(logs)")
        #expect(cluster.markedProcesses().isEmpty)
    }
}
