import ClusterKit
import Foundation
import Testing

/// `environment.offline: on` with the ec2 provider, in the EC2 sandbox (moto and the instances'
/// sshd inside a network namespace with no way out): the instances get their wheels from the
/// wheelhouse cache of the machine running clusterctl, over SSH, as the ssh provider's hosts do.
@Suite(.serialized)
struct OfflineEC2Tests {
    @Test func instancesInstallFromShippedWheels() throws {
        if let missing = EC2Sandbox.unavailableReason { Issue.record("cannot run: \(missing)"); return }
        let sandbox = try EC2ClusterTests.sandbox()
        defer { sandbox.stop() }
        let cluster = try LocalClusterHarness(prefix: "offec2")
        defer {
            cluster.killAll()
            try? FileManager.default.removeItem(at: cluster.directory)
        }
        // Outside the namespace: the wheels for the instances' Python, as `up` would fetch them.
        let cache = cluster.directory.appendingPathComponent("cache")
        let packages = try EnvironmentInstaller.packages(for: EnvironmentSpec(base: .minimal))
        _ = try Wheelhouse(root: cache.appendingPathComponent("clusterctl/wheelhouse"))
            .ensure(try OfflineClusterTests.hostTarget(), packages: packages) { _ in }
        let file = try EC2ClusterTests.clusterFile(cluster, workers: 1, extra: "environment:\n  base: minimal\n  offline: on")

        let up = try sandbox.run(LocalClusterHarness.binary, ["up", file, "--yes"], environment: [
            "CLUSTERCTL_HOME": cluster.home.path, "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates,
            "XDG_CACHE_HOME": cache.path, "NO_COLOR": "1",
        ], timeout: 600)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        let prepared = up.stderr.split(separator: "\n").filter { $0.contains("environment: packages installed with no index") }
        #expect(prepared.count == 2, "scheduler and worker instance:\n\(up.stderr)")
        #expect(up.stderr.contains("environment: environment.offline: on: wheels come from this machine"), "\(up.stderr)")
        #expect(!up.stderr.contains("wheelhouse: fetching"), "fetched inside the namespace:\n\(up.stderr)")
        #expect(try EC2ClusterTests.compute(sandbox, cluster).stdout.contains("RESULT -285"))

        let down = try EC2ClusterTests.clusterctl(sandbox, cluster, ["down", cluster.name, "--yes"])
        #expect(down.status == 0, "down:\n\(down.all)")
    }
}
