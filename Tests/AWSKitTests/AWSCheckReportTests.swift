import AWSKit
import Foundation
import Testing

/// `AWSCheck`, the library side of `clusterctl aws check`, against moto.
@Suite("aws check report")
struct AWSCheckReportTests {
    @Test func reportNamesSourceRegionEndpointAndPrincipal() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let report = try AWSCheck.run(environment: [
            "HOME": home.path, "AWS_EC2_METADATA_DISABLED": "true", "AWS_DEFAULT_REGION": "eu-central-1",
            "AWS_ACCESS_KEY_ID": moto.credentials.accessKeyId, "AWS_SECRET_ACCESS_KEY": moto.credentials.secretAccessKey,
        ], endpointURL: moto.endpoint)
        #expect(report.identity.arn == moto.userARN)
        #expect(report.credentialSource == .environment)
        #expect(report.maskedAccessKeyId == moto.credentials.maskedAccessKeyId)
        let lines = report.description.split(separator: "\n").map(String.init)
        #expect(lines == [
            "credentials environment variables (AWS_ACCESS_KEY_ID), key \(moto.credentials.maskedAccessKeyId)",
            "region      eu-central-1 (from AWS_DEFAULT_REGION)",
            "endpoint    \(moto.endpoint) (from --endpoint-url)",
            "account     \(report.identity.account)",
            "principal   \(moto.userARN)",
            "user id     \(report.identity.userId)",
        ])
        #expect(!report.description.contains(moto.credentials.accessKeyId))
        #expect(!report.description.contains(moto.credentials.secretAccessKey))
    }

    @Test func failureCarriesTheCodeAdviceAndWhatWasFound() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let failure = try #require(throws: AWSCheckFailure.self) {
            _ = try AWSCheck.run(environment: [
                "HOME": home.path, "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_STS": moto.endpoint,
                "AWS_ACCESS_KEY_ID": moto.credentials.accessKeyId,
                "AWS_SECRET_ACCESS_KEY": moto.wrongCredentials.secretAccessKey,
            ], region: "us-west-2")
        }
        #expect((failure.underlying as? AWSError)?.code == "SignatureDoesNotMatch")
        #expect(failure.found == [
            "credentials environment variables (AWS_ACCESS_KEY_ID), key \(moto.credentials.maskedAccessKeyId)",
            "region      us-west-2 (from --region)",
            "endpoint    \(moto.endpoint) (from AWS_ENDPOINT_URL_STS)",
        ])
        #expect(failure.description.contains("SignatureDoesNotMatch"))
        #expect(failure.description.contains("check the secret access key"))
        #expect(!failure.description.contains(moto.wrongCredentials.secretAccessKey))
    }

    @Test func missingCredentialsSayWhereItLooked() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let failure = try #require(throws: AWSCheckFailure.self) {
            _ = try AWSCheck.run(environment: ["HOME": home.path, "AWS_EC2_METADATA_DISABLED": "true"], region: "us-east-1")
        }
        #expect(failure.underlying is CredentialError)
        #expect(failure.description.contains("no AWS credentials found"))
        #expect(failure.found.isEmpty)
    }
}
