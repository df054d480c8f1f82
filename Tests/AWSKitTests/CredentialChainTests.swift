import AWSKit
import Foundation
import Testing

/// The chain with environment and files only; every environment disables
/// IMDS or points it at loopback, so nothing leaves this machine.
@Suite("Credential chain: environment and shared files")
struct CredentialChainTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    func environment(_ directory: TemporaryDirectory, _ extra: [String: String] = [:]) -> [String: String] {
        ["HOME": directory.path, "AWS_EC2_METADATA_DISABLED": "true"].merging(extra) { $1 }
    }

    @Test func fromEnvironment() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let chain = CredentialChain(environment: environment(directory, [
            "AWS_ACCESS_KEY_ID": "AKIAENVEXAMPLE000001", "AWS_SECRET_ACCESS_KEY": Self.secret,
            "AWS_SESSION_TOKEN": "env-token",
        ]))
        let credentials = try chain.credentials()
        #expect(credentials.accessKeyId == "AKIAENVEXAMPLE000001")
        #expect(credentials.secretAccessKey == Self.secret)
        #expect(credentials.sessionToken == "env-token")
        #expect(credentials.source == .environment)
    }

    @Test func sharedFilesSetToDevNullAreEmpty() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let chain = CredentialChain(environment: environment(directory, [
            "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_ACCESS_KEY_ID": "AKIAENVEXAMPLE000001", "AWS_SECRET_ACCESS_KEY": Self.secret,
        ]))
        let credentials = try chain.credentials()
        #expect(credentials.accessKeyId == "AKIAENVEXAMPLE000001")
        #expect(credentials.source == .environment)
    }

    @Test func partialEnvironmentIsAnError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let chain = CredentialChain(environment: environment(directory, ["AWS_ACCESS_KEY_ID": "AKIAENVEXAMPLE000001"]))
        #expect(throws: CredentialError.incomplete(source: "environment", missing: "AWS_SECRET_ACCESS_KEY")) {
            try chain.resolve()
        }
    }

    @Test func fromAProfileInTheCredentialsFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("creds", """
            [default]
            aws_access_key_id = AKIADEFAULT000000001
            aws_secret_access_key = default-secret

            [dev]
            aws_access_key_id = AKIADEV0000000000001
            aws_secret_access_key = \(Self.secret)
            aws_session_token = dev-token
            """)
        let chain = CredentialChain(environment: environment(directory, [
            "AWS_SHARED_CREDENTIALS_FILE": file, "AWS_PROFILE": "dev",
        ]))
        let credentials = try chain.credentials()
        #expect(credentials.accessKeyId == "AKIADEV0000000000001")
        #expect(credentials.sessionToken == "dev-token")
        #expect(credentials.source == .sharedCredentialsFile(path: "~/creds", profile: "dev"))
    }

    @Test func fromAProfileInTheConfigFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(".aws/config", """
            [profile ops]
            region = eu-west-1
            aws_access_key_id = AKIACONFIG0000000001
            aws_secret_access_key = config-secret
            """)
        let credentials = try CredentialChain(environment: environment(directory), profile: "ops").credentials()
        #expect(credentials.accessKeyId == "AKIACONFIG0000000001")
        #expect(credentials.source == .configFile(path: "~/.aws/config", profile: "ops"))
    }

    @Test func precedence() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(".aws/credentials", """
            [default]
            aws_access_key_id = AKIACREDSFILE0000001
            aws_secret_access_key = creds-secret
            """)
        try directory.write(".aws/config", """
            [default]
            aws_access_key_id = AKIACONFIG0000000001
            aws_secret_access_key = config-secret
            """)
        let keys = ["AWS_ACCESS_KEY_ID": "AKIAENVEXAMPLE000001", "AWS_SECRET_ACCESS_KEY": "env-secret"]

        // Environment beats both files.
        #expect(try CredentialChain(environment: environment(directory, keys)).resolve().source == .environment)
        // The credentials file beats the config file.
        #expect(try CredentialChain(environment: environment(directory)).resolve().accessKeyId == "AKIACREDSFILE0000001")
        // An explicit profile skips the environment, as `--profile` does.
        #expect(try CredentialChain(environment: environment(directory, keys), profile: "default").resolve()
            .accessKeyId == "AKIACREDSFILE0000001")
        // Without the credentials file, the config file's keys are used.
        try FileManager.default.removeItem(atPath: directory.path + "/.aws/credentials")
        #expect(try CredentialChain(environment: environment(directory)).resolve().accessKeyId == "AKIACONFIG0000000001")
    }

    @Test func aChosenProfileMissingEverywhereIsAnError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(".aws/credentials", "[default]\naws_access_key_id = A\naws_secret_access_key = B\n")
        #expect(throws: AWSConfigurationError.profileNotFound(profile: "nope",
                                                              lookedIn: ["~/.aws/credentials", "~/.aws/config"])) {
            try CredentialChain(environment: environment(directory, ["AWS_PROFILE": "nope"])).resolve()
        }
    }

    @Test func nothingFoundNamesEveryPlace() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(".aws/config", "[profile x]\nrole_arn = arn:aws:iam::123456789012:role/r\n")
        let error = #expect(throws: CredentialError.self) {
            try CredentialChain(environment: environment(directory, ["AWS_PROFILE": "x"])).resolve()
        }
        #expect(error == .notFound(lookedIn: [
            "env",
            "~/.aws/credentials (profile x; no such file)",
            "~/.aws/config (profile x; uses role_arn, which clusterctl does not support)",
            "IMDS (disabled by AWS_EC2_METADATA_DISABLED)",
        ]))
        #expect(error?.description.hasPrefix("no AWS credentials found; looked in: env, ~/.aws/credentials") == true)
    }

    @Test func unreachableMetadataServiceIsReported() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // A loopback port that nothing listens on: the connection is refused at once.
        let env = ["HOME": directory.path, "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(try closedLoopbackPort())"]
        #expect(throws: CredentialError.notFound(lookedIn: [
            "env", "~/.aws/credentials (profile default; no such file)", "~/.aws/config (profile default; no such file)",
            "IMDS (unreachable)",
        ])) {
            try CredentialChain(environment: env).resolve()
        }
    }

    @Test func cachedUntilCloseToExpiry() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write(".aws/credentials", "[default]\naws_access_key_id = AKIAFIRST0000000001\naws_secret_access_key = s\n")
        let chain = CredentialChain(environment: environment(directory))
        #expect(try chain.credentials().accessKeyId == "AKIAFIRST0000000001")
        try "[default]\naws_access_key_id = AKIASECOND000000001\naws_secret_access_key = s\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        // Long-term keys do not expire, so the cached value stays.
        #expect(try chain.credentials().accessKeyId == "AKIAFIRST0000000001")
        #expect(try chain.resolve().accessKeyId == "AKIASECOND000000001")
    }
}

/// A loopback TCP port with no listener: bound, then closed again.
func closedLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}
