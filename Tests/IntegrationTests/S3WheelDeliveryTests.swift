import ClusterKit
import Foundation
import Testing

/// Wheels delivered through S3 (`WheelDelivery.s3`) with this machine as the node
/// (`LocalRunner`): `EnvironmentInstaller` puts them into the bucket of S3 state on moto (on
/// loopback, signatures checked, and presigned URLs checked as S3 checks them), and the
/// bootstrap downloads them with the presigned URLs and installs with no index.
@Suite(.serialized)
struct S3WheelDeliveryTests {
    @Test func nodesDownloadWheelsPutOnceAndAFailedDownloadNamesTheWheelAndStatus() throws {
        let uv = try LocalRunner().run("command -v uv", timeout: 10)
        try #require(uv.exitCode == 0, "uv is not on PATH here")
        let moto = try LoopbackMoto(checksPresignedURLs: true)
        defer { moto.stop() }
        try moto.createBucket("team-state")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("s3wheels-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try StateStore(homes: Homes(state: directory.appendingPathComponent("state"),
                                                cache: directory.appendingPathComponent("cache")),
                                   url: "s3://team-state/clusterctl", environment: moto.environment)
        let bucket = try #require(store.s3Wheelhouse)
        var spec = EnvironmentSpec(base: .minimal)
        spec.offline = .on
        let cache = directory.appendingPathComponent("cache/wheelhouse")

        func nodeWheelhouse(_ node: String) -> String { directory.appendingPathComponent("\(node)/wheelhouse").path }
        func prepare(_ node: String, runner: CommandRunner = LocalRunner()) throws -> (steps: [String], path: String) {
            var steps: [String] = []
            let path = try EnvironmentInstaller(runner: runner).prepare(
                spec, directory: directory.appendingPathComponent("\(node)/env").path, allowSystemInstall: false,
                wheels: nodeWheelhouse(node), wheelhouse: Wheelhouse(root: cache), delivery: .s3(bucket)) { steps.append($0) }.path
            return (steps, path)
        }

        // The first node: every wheel is put into the bucket, then downloaded by the node.
        let first = try prepare("first")
        let key = try #require(try FileManager.default.contentsOfDirectory(atPath: cache.path).first { !$0.hasPrefix(".") })
        let wheels = try Wheelhouse.wheels(in: cache.appendingPathComponent(key))
        try #require(!wheels.isEmpty)
        let location = "s3://team-state/clusterctl/wheelhouse/\(key)"
        #expect(first.steps.filter { $0.hasPrefix("uploading ") }.count == 1, "\(first.steps)")
        #expect(first.steps.contains { $0.hasPrefix("uploading \(wheels.count) wheels (") && $0.hasSuffix(" to \(location); 0 already there") },
                "\(first.steps)")
        let objects = try moto.s3("""
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket="team-state", Prefix="clusterctl")
            print("\\n".join(o["Key"] for page in pages for o in page.get("Contents", [])
                             if o["Key"].startswith("clusterctl/wheelhouse/")))
            """).split(separator: "\n").map(String.init)
        #expect(objects == wheels.map { "clusterctl/wheelhouse/\(key)/\($0)" }, "\(objects)")
        #expect(first.steps.contains { $0.hasPrefix("the node downloads \(wheels.count) wheels (") && $0.hasSuffix(" from S3; 0 already there") },
                "\(first.steps)")
        #expect(first.steps.contains { $0.hasPrefix("the node downloaded \(wheels.count) wheels (") && $0.hasSuffix(" MB) from S3") },
                "\(first.steps)")
        #expect(first.steps.contains("packages installed with no index, from the wheels in \(nodeWheelhouse("first"))"), "\(first.steps)")
        #expect(try Wheelhouse.wheels(in: URL(fileURLWithPath: nodeWheelhouse("first"))) == wheels)
        #expect(try FileManager.default.contentsOfDirectory(atPath: nodeWheelhouse("first")).count == wheels.count, "no partial files left")
        #expect(!FileManager.default.fileExists(atPath: nodeWheelhouse("first") + ".download.json"), "the manifest is removed")
        #expect(!first.steps.joined(separator: "\n").contains("X-Amz"), "\(first.steps)")
        let check = try LocalRunner().run(ShellQuote.join([first.path + "/bin/python", "-c", "import distributed; print(distributed.__version__)"]),
                                          timeout: 120)
        #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2026.8.0", "\(check)")

        // A second node: the wheels are in the bucket already; only the download happens.
        let second = try prepare("second")
        #expect(second.steps.contains("all \(wheels.count) wheels already in \(location)"), "\(second.steps)")
        #expect(!second.steps.contains { $0.hasPrefix("uploading ") }, "\(second.steps)")
        #expect(second.steps.contains { $0.hasPrefix("the node downloaded \(wheels.count) wheels (") }, "\(second.steps)")

        // A third node, whose wheel vanishes from the bucket after its URL was made: S3 answers
        // 404, and the node names the wheel and the status, never the URL.
        let victim = try #require(wheels.first { $0.hasPrefix("distributed-") })
        let vanishing = ObjectRemovingRunner(moto: moto, key: "clusterctl/wheelhouse/\(key)/\(victim)")
        let failure = try #require(throws: ClusterError.self) { _ = try prepare("third", runner: vanishing) }
        #expect(failure.message.contains("bootstrap step 'wheels-download' failed: downloading wheel \(victim) from S3 failed: HTTP 404 NoSuchKey; "),
                "\(failure)")
        #expect(failure.message.contains("S3 VPC endpoint"), "\(failure)")
        #expect(!"\(failure)".contains("X-Amz"), "\(failure)")
        #expect(!FileManager.default.fileExists(atPath: nodeWheelhouse("third") + ".download.json"), "the manifest is removed")
        let third = try FileManager.default.contentsOfDirectory(atPath: nodeWheelhouse("third"))
        #expect(!third.contains { $0.hasSuffix(".partial") } && !third.contains(victim), "\(third)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("third/env/.clusterctl-ready").path))
    }
}

/// This machine as a node, where an object of the bucket is removed the moment the node's
/// download manifest is uploaded (after its URLs were made, before the node uses them).
private final class ObjectRemovingRunner: CommandRunner {
    let host = "localhost"
    private let local = LocalRunner()
    private let moto: LoopbackMoto
    private let key: String

    init(moto: LoopbackMoto, key: String) {
        self.moto = moto
        self.key = key
    }

    func run(_ command: String, input: Data?, timeout: Double) throws -> CommandResult {
        try local.run(command, input: input, timeout: timeout)
    }

    func stream(_ command: String, onOutput: @escaping (String) -> Void) throws -> Int32 {
        try local.stream(command, onOutput: onOutput)
    }

    func upload(_ contents: Data, to path: String, mode: Int) throws {
        if path.hasSuffix(".download.json") {
            _ = try moto.s3("s3.delete_object(Bucket=\"team-state\", Key=\"\(key)\")")
        }
        try local.upload(contents, to: path, mode: mode)
    }

    func forward(to remoteHost: String, port remotePort: Int, localPort: Int) throws -> PortForward {
        try local.forward(to: remoteHost, port: remotePort, localPort: localPort)
    }
}
