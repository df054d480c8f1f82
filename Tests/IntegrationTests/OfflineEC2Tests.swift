import ClusterKit
import Foundation
import Testing

/// `environment.offline: on` with the ec2 provider, in the EC2 sandbox (moto and the instances'
/// sshd inside a network namespace with no way out): the instances get their wheels from the
/// wheelhouse cache of the machine running clusterctl, over SSH, as the ssh provider's hosts do;
/// or, when the cluster's state is in S3, from that bucket, downloading them themselves.
@Suite(.serialized)
struct OfflineEC2Tests {
    /// Outside the namespace, in the cache home `cache`: the minimal set's wheels for the
    /// instances' Python, as `up` would fetch them; returns their directory.
    static func fillWheelhouse(cache: URL) throws -> URL {
        let packages = try EnvironmentInstaller.packages(for: EnvironmentSpec(base: .minimal))
        return try Wheelhouse(root: cache.appendingPathComponent("clusterctl/wheelhouse"))
            .ensure(try OfflineClusterTests.hostTarget(), packages: packages) { _ in }
    }

    @Test func instancesInstallFromShippedWheels() throws {
        if let missing = EC2Sandbox.unavailableReason { Issue.record("cannot run: \(missing)"); return }
        let sandbox = try EC2ClusterTests.sandbox()
        defer { sandbox.stop() }
        let cluster = try LocalClusterHarness(prefix: "offec2")
        defer {
            cluster.killAll()
            try? FileManager.default.removeItem(at: cluster.directory)
        }
        let cache = cluster.directory.appendingPathComponent("cache")
        _ = try Self.fillWheelhouse(cache: cache)
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

    /// With the state in S3, the wheels go into its bucket once and each instance downloads
    /// them itself with presigned URLs (which the sandbox's moto checks as S3 does): nothing
    /// goes over SFTP but the small manifest, and no URL shows in the output or the state.
    @Test func instancesDownloadWheelsFromTheStateBucket() throws {
        if let missing = EC2Sandbox.unavailableReason { Issue.record("cannot run: \(missing)"); return }
        let sandbox = try EC2ClusterTests.sandbox()
        defer { sandbox.stop() }
        let cluster = try LocalClusterHarness(prefix: "s3whl")
        defer {
            cluster.killAll()
            try? FileManager.default.removeItem(at: cluster.directory)
        }
        let cache = cluster.directory.appendingPathComponent("cache")
        let wheelhouse = try Self.fillWheelhouse(cache: cache)
        let wheels = try Wheelhouse.wheels(in: wheelhouse)
        let location = "s3://team-state/clusterctl/wheelhouse/\(wheelhouse.lastPathComponent)"
        _ = try sandbox.python("boto3.client('s3').create_bucket(Bucket='team-state')")
        let file = try EC2ClusterTests.clusterFile(cluster, workers: 1, extra: "environment:\n  base: minimal\n  offline: on")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        try text.replacingOccurrences(of: "  ssh_user: root\n", with: "  ssh_user: root\n  state: s3://team-state/clusterctl\n")
            .write(toFile: file, atomically: true, encoding: .utf8)

        let up = try sandbox.run(LocalClusterHarness.binary, ["up", file, "--yes"], environment: [
            "CLUSTERCTL_HOME": cluster.home.path, "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates,
            "XDG_CACHE_HOME": cache.path, "NO_COLOR": "1",
        ], timeout: 600)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        let lines = up.stderr.split(separator: "\n")
        // Put once, for the first instance that asked; the other found them there.
        #expect(lines.filter { $0.contains("environment: uploading \(wheels.count) wheels (") && $0.hasSuffix(" to \(location); 0 already there") }.count == 1,
                "\(up.stderr)")
        #expect(lines.filter { $0.contains("environment: all \(wheels.count) wheels already in \(location)") }.count == 1, "\(up.stderr)")
        #expect(lines.filter { $0.contains("environment: the node downloaded \(wheels.count) wheels (") && $0.hasSuffix(" MB) from S3") }.count == 2,
                "scheduler and worker instance:\n\(up.stderr)")
        #expect(lines.filter { $0.contains("environment: packages installed with no index") }.count == 2, "\(up.stderr)")
        #expect(!up.all.contains("shipping"), "wheels went over SFTP:\n\(up.stderr)")
        #expect(!up.all.contains("X-Amz-Signature"), "a presigned URL was shown:\n\(up.all)")

        let objects = try sandbox.python("""
            s3 = boto3.client("s3")
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket="team-state", Prefix="clusterctl")
            print(json.dumps([o["Key"] for page in pages for o in page.get("Contents", [])]))
            """)
        let keys = try JSONSerialization.jsonObject(with: Data(objects.utf8)) as? [String] ?? []
        #expect(keys.filter { $0.hasPrefix("clusterctl/wheelhouse/") } == wheels.map { "clusterctl/wheelhouse/\(wheelhouse.lastPathComponent)/\($0)" },
                "\(keys)")
        let state = try sandbox.python("""
            print(boto3.client("s3").get_object(Bucket="team-state", Key="clusterctl/\(cluster.name)/state.json")["Body"].read().decode())
            """)
        #expect(state.contains("\"\(cluster.name)\""), "the state is in the bucket")
        #expect(!state.contains("X-Amz"), "a presigned URL is in the state:\n\(state)")
        for path in FileManager.default.subpaths(atPath: cluster.home.path) ?? [] {
            let contents = FileManager.default.contents(atPath: cluster.home.appendingPathComponent(path).path) ?? Data()
            #expect(!String(decoding: contents, as: UTF8.self).contains("X-Amz-Signature"), "a presigned URL in \(path)")
        }
        // Each instance has every wheel, and no manifest (its URLs) is left behind.
        let nodes = cluster.directory.appendingPathComponent("nodes")
        let installs = try FileManager.default.contentsOfDirectory(atPath: nodes.path)
        #expect(installs.count == 2, "\(installs)")
        for install in installs {
            #expect(try Wheelhouse.wheels(in: nodes.appendingPathComponent("\(install)/wheelhouse")) == wheels, "\(install)")
            #expect(!FileManager.default.fileExists(atPath: nodes.appendingPathComponent("\(install)/wheelhouse.download.json").path))
        }
        #expect(try EC2ClusterTests.compute(sandbox, cluster, reference: file).stdout.contains("RESULT -285"))

        let down = try EC2ClusterTests.clusterctl(sandbox, cluster, ["down", file, "--yes"])
        #expect(down.status == 0, "down:\n\(down.all)")
    }
}
