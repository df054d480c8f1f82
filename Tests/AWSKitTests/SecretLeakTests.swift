import AWSKit
import Foundation
import HTTPKit
import Testing

/// No secret value appears in anything a user or a log could see: error descriptions,
/// reports, printed or dumped clients and settings, moto's log and the proxy's log.
@Suite("No secret in any output")
struct SecretLeakTests {
    @Test func secretsNeverAppearInOutputLogsOrErrors() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let proxy = try FaultProxy(upstream: moto.endpoint)
        defer { proxy.stop() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        var captured = [String]()
        func capture(_ value: Any) {
            captured.append(String(describing: value))
            captured.append(String(reflecting: value))
            var dumped = ""
            dump(value, to: &dumped)
            captured.append(dumped)
        }

        let good = moto.configuration()
        let wrong = moto.configuration(credentials: moto.wrongCredentials)
        let environment = ["HOME": home.path, "AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "us-east-1",
                           "AWS_ACCESS_KEY_ID": moto.credentials.accessKeyId,
                           "AWS_SECRET_ACCESS_KEY": moto.credentials.secretAccessKey]
        try home.write(".aws/credentials", """
            [default]
            aws_access_key_id = \(moto.credentials.accessKeyId)
            aws_secret_access_key = \(moto.credentials.secretAccessKey)
            """)
        let settings = try AWSSettings(environment: environment, endpointURL: moto.endpoint)
        for value: Any in [good, wrong, settings, moto.credentials, EC2Client(configuration: good), S3Client(configuration: good),
                           STSClient(configuration: good), try settings.configuration(for: .s3), settings.credentials, settings.profile] {
            capture(value)
        }
        capture(try AWSCheck.run(environment: environment, endpointURL: moto.endpoint))

        // Failures of every kind, each with the key that was used.
        let failures: [() throws -> Void] = [
            { _ = try EC2Client(configuration: wrong).describeInstances() },
            { _ = try S3Client(configuration: wrong).getObject(bucket: "b", key: "k") },
            { _ = try STSClient(configuration: wrong).getCallerIdentity() },
            { _ = try AWSCheck.run(environment: environment.merging(
                ["AWS_SECRET_ACCESS_KEY": moto.wrongCredentials.secretAccessKey]) { $1 }, endpointURL: moto.endpoint) },
            { _ = try EC2Client(configuration: good).terminateInstances(ids: ["i-0123456789abcdef0"]) },
            {
                let s3 = S3Client(configuration: good)
                try s3.createBucket("leak-check")
                try s3.putObject(bucket: "leak-check", key: "k", body: Data(), condition: .doesNotExist)
                try s3.putObject(bucket: "leak-check", key: "k", body: Data(), condition: .doesNotExist)
            },
            {
                try proxy.inject(5)
                _ = try EC2Client(configuration: AWSClientConfiguration(
                    region: "us-east-1", credentials: moto.credentials, endpoint: proxy.endpoint,
                    retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: 0.01))).describeVPCs()
            },
            {
                _ = try STSClient(configuration: AWSClientConfiguration(
                    region: "us-east-1", credentials: moto.credentials, endpoint: "http://127.0.0.1:9",
                    retryPolicy: RetryPolicy(maxAttempts: 1))).getCallerIdentity()
            },
        ]
        for failure in failures {
            do {
                try failure()
                Issue.record("expected a failure")
            } catch {
                capture(error)
            }
        }
        captured.append(moto.log)
        captured.append(proxy.requests.joined(separator: "\n"))
        #expect(captured.count > 40)
        #expect(captured.contains { $0.contains("SignatureDoesNotMatch") } && captured.contains { $0.contains("AuthFailure") })

        for secret in [moto.credentials.secretAccessKey, moto.wrongCredentials.secretAccessKey] {
            for form in Set([secret, URIEncoding.encode(secret)]) {
                let leaks = captured.filter { $0.contains(form) }
                #expect(leaks.isEmpty, "a secret leaked into: \(leaks.map { moto.credentials.redact($0) })")
            }
        }
    }
}
