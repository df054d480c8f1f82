import AWSKit
import Foundation
import Testing

/// Credentials found by the chain (environment, a profile in temporary shared files)
/// drive real, signature-checked calls.
@Suite("Credential sources against moto")
struct MotoCredentialSourceTests {
    @Test func environmentCredentialsDriveRealCalls() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let settings = try AWSSettings(environment: [
            "HOME": home.path, "AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "eu-west-1",
            "AWS_ACCESS_KEY_ID": moto.credentials.accessKeyId, "AWS_SECRET_ACCESS_KEY": moto.credentials.secretAccessKey,
            "AWS_ENDPOINT_URL": moto.endpoint,
        ])
        #expect(try settings.credentials.credentials().source == .environment)
        #expect(settings.region == ResolvedSetting(value: "eu-west-1", source: "AWS_REGION"))
        #expect(try settings.endpoint(for: .ec2) == ResolvedSetting(value: moto.endpoint, source: "AWS_ENDPOINT_URL"))

        #expect(try STSClient(configuration: settings.configuration(for: .sts)).getCallerIdentity().arn == moto.userARN)
        let ec2 = EC2Client(configuration: try settings.configuration(for: .ec2))
        #expect(try ec2.defaultVPC()?.isDefault == true)
        let s3 = S3Client(configuration: try settings.configuration(for: .s3))
        try s3.createBucket("from-env")
        try s3.putObject(bucket: "from-env", key: "k", body: Data("v".utf8))
    }

    @Test func profileInATemporaryCredentialsFileDrivesRealCalls() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let credentialsFile = try home.write("aws/credentials", """
            [default]
            aws_access_key_id = AKIADEFAULTNOTUSED00
            aws_secret_access_key = not-the-one

            [ci]
            aws_access_key_id = \(moto.credentials.accessKeyId)
            aws_secret_access_key = \(moto.credentials.secretAccessKey)
            """)
        let configFile = try home.write("aws/config", """
            [profile ci]
            region = ap-southeast-2
            endpoint_url = \(moto.endpoint)
            """)
        let environment = ["HOME": home.path, "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "ci",
                           "AWS_SHARED_CREDENTIALS_FILE": credentialsFile, "AWS_CONFIG_FILE": configFile]
        let settings = try AWSSettings(environment: environment)
        #expect(try settings.credentials.credentials().source == .sharedCredentialsFile(path: "~/aws/credentials", profile: "ci"))
        #expect(settings.region.value == "ap-southeast-2")
        #expect(try settings.endpoint(for: .s3)?.value == moto.endpoint)

        #expect(try STSClient(configuration: settings.configuration(for: .sts)).getCallerIdentity().arn == moto.userARN)
        let s3 = S3Client(configuration: try settings.configuration(for: .s3))
        try s3.createBucket("from-profile")
        try s3.putObject(bucket: "from-profile", key: "k", body: Data("v".utf8))
        #expect(try s3.listObjects(bucket: "from-profile").map(\.key) == ["k"])
        #expect(try EC2Client(configuration: settings.configuration(for: .ec2)).defaultVPC() != nil)

        // --profile wins over keys in the environment, as in the AWS CLI.
        var withWrongEnvironmentKeys = environment
        withWrongEnvironmentKeys["AWS_ACCESS_KEY_ID"] = moto.credentials.accessKeyId
        withWrongEnvironmentKeys["AWS_SECRET_ACCESS_KEY"] = moto.wrongCredentials.secretAccessKey
        let explicit = try AWSSettings(environment: withWrongEnvironmentKeys, profile: "ci")
        #expect(try STSClient(configuration: explicit.configuration(for: .sts)).getCallerIdentity().arn == moto.userARN)
        let fromEnvironment = try AWSSettings(environment: withWrongEnvironmentKeys)
        let rejected = try #require(throws: AWSError.self) {
            _ = try STSClient(configuration: fromEnvironment.configuration(for: .sts)).getCallerIdentity()
        }
        #expect(rejected.code == "SignatureDoesNotMatch")
    }

    @Test func wrongSecretInAProfileIsRejected() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        try home.write(".aws/credentials", """
            [default]
            aws_access_key_id = \(moto.credentials.accessKeyId)
            aws_secret_access_key = \(moto.wrongCredentials.secretAccessKey)
            """)
        let settings = try AWSSettings(environment: ["HOME": home.path, "AWS_EC2_METADATA_DISABLED": "true"],
                                       region: "us-east-1", endpointURL: moto.endpoint)
        let error = try #require(throws: AWSError.self) {
            _ = try EC2Client(configuration: settings.configuration(for: .ec2)).describeInstances()
        }
        #expect(error.code == "AuthFailure")
        #expect(!error.description.contains(moto.wrongCredentials.secretAccessKey))
    }
}
