import Foundation

/// moto with signature checking on (`Tests/AWSKitTests/Fixtures/moto_server.py`: an IAM
/// user with an allow-all policy and its key pair), an empty HOME for the AWS shared
/// files, and a way to run the binary with only the AWS settings a test gives it. With
/// `checksPresignedURLs`, it is the EC2 sandbox's moto (`Tests/Fixtures/ec2-sandbox moto`),
/// which also checks presigned S3 URLs as S3 does, on loopback.
final class LoopbackMoto: @unchecked Sendable {  // every property is a constant
    let endpoint: String
    let keyId: String
    let secret: String
    let userARN: String
    let home: String
    private let process: Process
    private let directory: URL

    init(checksPresignedURLs: Bool = false) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aws-check-\(UUID().uuidString)")
        self.directory = directory
        home = directory.appendingPathComponent("home").path
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        let stateFile = directory.appendingPathComponent("moto.json").path
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        self.process = process
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = checksPresignedURLs
            ? ["python3", tests.appendingPathComponent("Fixtures/ec2-sandbox").path, "moto", directory.path]
            : ["python3", tests.appendingPathComponent("AWSKitTests/Fixtures/moto_server.py").path, stateFile]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
            .merging(["INITIAL_NO_AUTH_ACTION_COUNT": "3"]) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()

        var state: [String: String]?
        _ = eventually(within: 30, every: 0.05) {
            state = (try? Data(contentsOf: URL(fileURLWithPath: stateFile)))
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: String] }
            return state != nil || !process.isRunning
        }
        guard let state, let endpoint = state["endpoint"], let keyId = state["access_key_id"],
              let secret = state["secret_access_key"], let arn = state["user_arn"] else {
            Self.terminate(process)
            try? FileManager.default.removeItem(at: directory)
            throw CapturedRun.Failure.timedOut(command: "moto_server.py (waiting until ready)", seconds: 30)
        }
        (self.endpoint, self.keyId, self.secret, userARN) = (endpoint, keyId, secret, arn)
    }

    /// Runs `clusterctl ARGS` with HOME here and every AWS setting blank but `settings`.
    func clusterctl(_ arguments: [String], _ settings: [String: String]) throws -> CapturedRun {
        let blank = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
                     "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS"]
        var environment = Dictionary(uniqueKeysWithValues: blank.map { ($0, "") })
        environment["HOME"] = home
        environment["AWS_CONFIG_FILE"] = home + "/.aws/config"
        environment["AWS_SHARED_CREDENTIALS_FILE"] = home + "/.aws/credentials"
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        return try CapturedRun.of(LocalClusterHarness.binary, arguments,
                                     environment: environment.merging(settings) { $1 }, timeout: 60)
    }

    /// The AWS settings of this server and nothing from the developer's own files.
    var environment: [String: String] {
        ["AWS_ACCESS_KEY_ID": keyId, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": "us-east-1",
         "AWS_ENDPOINT_URL": endpoint, "AWS_CONFIG_FILE": home + "/.aws/config",
         "AWS_SHARED_CREDENTIALS_FILE": home + "/.aws/credentials", "AWS_EC2_METADATA_DISABLED": "true"]
    }

    /// Creates an S3 bucket, through the binary's own signed client is not exposed, so with boto3.
    func createBucket(_ name: String) throws {
        let run = try CapturedRun.of("python3", ["-c", "import boto3; boto3.client('s3').create_bucket(Bucket='\(name)')"],
                                     environment: environment.merging(["AWS_DEFAULT_REGION": "us-east-1"]) { $1 })
        guard run.status == 0 else { throw CapturedRun.Failure.timedOut(command: "create_bucket: \(run.all)", seconds: 0) }
    }

    /// Runs a Python script with `boto3`, `json` and a client `s3` for this server; returns what
    /// it printed, or throws with its output when it fails.
    func s3(_ script: String) throws -> String {
        let run = try CapturedRun.of("python3", ["-c", "import boto3, json\ns3 = boto3.client('s3')\n" + script],
                                     environment: environment.merging(["AWS_DEFAULT_REGION": "us-east-1"]) { $1 })
        guard run.status == 0 else { throw EC2Sandbox.Failure(description: "python with s3 exited with \(run.status):\n\(run.all)") }
        return run.stdout
    }

    /// Stops moto by pid and removes the temporary files.
    func stop() {
        Self.terminate(process)
        try? FileManager.default.removeItem(at: directory)
    }

    private static func terminate(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if !eventually(within: 2, every: 0.02, { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
