import Foundation
import Testing

/// `clusterctl init` writes a starter file per provider that `validate` accepts as written,
/// and never overwrites a file.
struct InitCommandTests {
    @Test(arguments: ["local", "ssh", "ec2"])
    func starterFilesValidate(provider: String) throws {
        let cluster = try LocalClusterHarness(prefix: "init")
        defer { cluster.tearDown() }
        let file = cluster.directory.appendingPathComponent("my-\(provider).yaml").path
        let written = try cluster.clusterctl(["init", "--provider", provider, file])
        #expect(written.status == 0, "init:\n\(written.all)")
        let validate = try cluster.clusterctl(["validate", file])
        #expect(validate.status == 0, "validate:\n\(validate.all)")
        #expect(validate.stdout.contains("name: my-\(provider)") && validate.stdout.contains("kind: \(provider)"), "\(validate.stdout)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.hasPrefix("# "), "a starter file explains itself")

        let again = try cluster.clusterctl(["init", "--provider", provider, file])
        #expect(again.status == 2 && again.stderr.contains("already exists"), "second init:\n\(again.all)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == text, "the file was overwritten")
    }

    @Test func unknownProviderIsAUsageError() throws {
        let cluster = try LocalClusterHarness(prefix: "init")
        defer { cluster.tearDown() }
        let file = cluster.directory.appendingPathComponent("x.yaml").path
        let run = try cluster.clusterctl(["init", "--provider", "gce", file])
        #expect(run.status == 2 && run.stderr.contains("local, ssh, ec2"), "init --provider gce:\n\(run.all)")
        #expect(!FileManager.default.fileExists(atPath: file))
    }
}
