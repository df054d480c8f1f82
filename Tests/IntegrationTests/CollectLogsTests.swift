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

/// `down --collect-logs s3://…` against moto with signatures checked.
@Suite struct CollectLogsToS3Tests {
    @Test func downCollectsIntoS3() throws {
        let moto = try LoopbackMoto()
        defer { moto.stop() }
        try moto.createBucket("team-logs")
        let cluster = try LocalClusterHarness(prefix: "s3logs")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 1)
        let up = try cluster.clusterctl(["up", file])
        try #require(up.status == 0, "up:\n\(up.all)")
        let down = try CapturedRun.of(LocalClusterHarness.binary, ["down", cluster.name, "--yes", "--collect-logs", "s3://team-logs/runs"],
                                      environment: moto.environment.merging(["CLUSTERCTL_HOME": cluster.home.path]) { $1 },
                                      timeout: 120)
        #expect(down.status == 0, "down:\n\(down.all)")
        #expect(down.stdout.contains("Logs collected in s3://team-logs/runs/\(cluster.name)-"), "down:\n\(down.stdout)")
        let listing = try CapturedRun.of("python3", ["-c", """
            import boto3
            for o in boto3.client("s3").list_objects_v2(Bucket="team-logs")["Contents"]:
                body = boto3.client("s3").get_object(Bucket="team-logs", Key=o["Key"])["Body"].read().decode()
                print(o["Key"], "Scheduler at:" in body)
            """], environment: moto.environment.merging(["AWS_DEFAULT_REGION": "us-east-1"]) { $1 })
        let lines = listing.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "objects:\n\(listing.all)")
        #expect(lines.contains { $0.hasPrefix("runs/\(cluster.name)-") && $0.hasSuffix("/localhost/scheduler.log True") },
                "objects:\n\(listing.all)")
        #expect(cluster.markedProcesses().isEmpty)
    }
}
