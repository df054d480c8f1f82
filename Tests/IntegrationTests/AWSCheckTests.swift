import Foundation
import Testing

/// `clusterctl aws check` run as a binary against moto with signature checking on.
@Suite("clusterctl aws check")
struct AWSCheckTests {
    @Test func reportsSourceRegionEndpointAndPrincipal() throws {
        let moto = try AWSCheckMoto()
        defer { moto.stop() }
        let run = try moto.clusterctl(["aws", "check", "--region", "us-east-1", "--endpoint-url", moto.endpoint],
                                      ["AWS_ACCESS_KEY_ID": moto.keyId, "AWS_SECRET_ACCESS_KEY": moto.secret])
        #expect(run.status == 0, "aws check failed:\n\(run.all)")
        let masked = String(moto.keyId.prefix(4)) + String(repeating: "*", count: moto.keyId.count - 8) + moto.keyId.suffix(4)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.prefix(5) == [
            "credentials environment variables (AWS_ACCESS_KEY_ID), key \(masked)",
            "region      us-east-1 (from --region)",
            "endpoint    \(moto.endpoint) (from --endpoint-url)",
            "account     123456789012",
            "principal   \(moto.userARN)",
        ])
        #expect(lines.count == 6 && lines[5].hasPrefix("user id     ") && lines[5].count > 12)
        #expect(!run.all.contains(moto.keyId))
        #expect(!run.all.contains(moto.secret))
    }

    @Test func profileFromATemporaryCredentialsFile() throws {
        let moto = try AWSCheckMoto()
        defer { moto.stop() }
        try "[ci]\naws_access_key_id = \(moto.keyId)\naws_secret_access_key = \(moto.secret)\n"
            .write(toFile: moto.home + "/.aws/credentials", atomically: true, encoding: .utf8)
        try "[profile ci]\nregion = eu-west-1\n".write(toFile: moto.home + "/.aws/config", atomically: true, encoding: .utf8)
        let run = try moto.clusterctl(["aws", "check", "--profile", "ci"], ["AWS_ENDPOINT_URL": moto.endpoint])
        #expect(run.status == 0, "aws check failed:\n\(run.all)")
        #expect(run.stdout.contains("credentials ~/.aws/credentials (profile ci), key "))
        #expect(run.stdout.contains("region      eu-west-1 (from ~/.aws/config (profile ci))"))
        #expect(run.stdout.contains("endpoint    \(moto.endpoint) (from AWS_ENDPOINT_URL)"))
        #expect(run.stdout.contains("principal   \(moto.userARN)"))
        #expect(!run.all.contains(moto.secret))
    }

    @Test func wrongSecretFailsWithTheCodeAndWhatToDo() throws {
        let moto = try AWSCheckMoto()
        defer { moto.stop() }
        let wrong = "wrong" + moto.secret.dropFirst(5)
        let run = try moto.clusterctl(["aws", "check", "--region", "us-east-1", "--endpoint-url", moto.endpoint],
                                      ["AWS_ACCESS_KEY_ID": moto.keyId, "AWS_SECRET_ACCESS_KEY": wrong])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.hasPrefix("error: AWS check failed: STS GetCallerIdentity failed: SignatureDoesNotMatch (HTTP 403)"))
        #expect(run.stderr.contains("check the secret access key"))
        #expect(run.stderr.contains("    credentials environment variables (AWS_ACCESS_KEY_ID), key "))
        #expect(run.stderr.contains("    region      us-east-1 (from --region)"))
        #expect(!run.all.contains(wrong))
        #expect(!run.all.contains(moto.secret))
    }

    @Test func missingRegionAndBadEndpointAreExplained() throws {
        let moto = try AWSCheckMoto()
        defer { moto.stop() }
        let keys = ["AWS_ACCESS_KEY_ID": moto.keyId, "AWS_SECRET_ACCESS_KEY": moto.secret]
        let noRegion = try moto.clusterctl(["aws", "check", "--endpoint-url", moto.endpoint], keys)
        #expect(noRegion.status == 1)
        #expect(noRegion.stderr.contains("no AWS region set"))
        #expect(noRegion.stderr.contains("set AWS_REGION"))

        let badEndpoint = try moto.clusterctl(["aws", "check", "--region", "us-east-1", "--endpoint-url", "ftp://127.0.0.1"], keys)
        #expect(badEndpoint.status == 1)
        #expect(badEndpoint.stderr.contains("endpoint 'ftp://127.0.0.1' from --endpoint-url is not an http:// or https:// URL"))
        #expect(!noRegion.all.contains(moto.secret) && !badEndpoint.all.contains(moto.secret))
    }
}

/// moto with signature checking on (`Tests/AWSKitTests/Fixtures/moto_server.py`: an IAM
/// user with an allow-all policy and its key pair), an empty HOME for the AWS shared
/// files, and a way to run the binary with only the AWS settings a test gives it.
private final class AWSCheckMoto {
    let endpoint: String
    let keyId: String
    let secret: String
    let userARN: String
    let home: String
    private let process: Process
    private let directory: URL

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aws-check-\(UUID().uuidString)")
        self.directory = directory
        home = directory.appendingPathComponent("home").path
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        let stateFile = directory.appendingPathComponent("moto.json").path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("AWSKitTests/Fixtures/moto_server.py").path
        let process = Process()
        self.process = process
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, stateFile]
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
