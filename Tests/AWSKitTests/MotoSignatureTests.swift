import AWSKit
import Foundation
import Testing

/// moto with signature checking on: the real key works, a wrong secret or an unknown
/// key is refused, and the AWS error code is plain in the error's description.
@Suite("moto: signatures are checked")
struct MotoSignatureTests {
    @Test func realKeyIsAcceptedByEveryService() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let identity = try STSClient(configuration: moto.configuration()).getCallerIdentity()
        #expect(identity.arn == moto.userARN)
        #expect(identity.account.count == 12)
        #expect(try EC2Client(configuration: moto.configuration()).defaultVPC() != nil)
        try S3Client(configuration: moto.configuration()).createBucket("signed-ok")
    }

    @Test func wrongSecretIsRejectedWithTheCodeInTheDescription() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let wrong = moto.configuration(credentials: moto.wrongCredentials)
        let calls: [(expectedCode: String, call: () throws -> Void)] = [
            ("AuthFailure", { _ = try EC2Client(configuration: wrong).describeVPCs() }),
            ("SignatureDoesNotMatch", { try S3Client(configuration: wrong).createBucket("never-made") }),
            ("SignatureDoesNotMatch", { _ = try S3Client(configuration: wrong).listObjects(bucket: "never-made") }),
            ("SignatureDoesNotMatch", { _ = try STSClient(configuration: wrong).getCallerIdentity() }),
        ]
        for (expectedCode, call) in calls {
            let error = try #require(throws: AWSError.self) { try call() }
            #expect(error.code == expectedCode)
            #expect(error.attempts == 1, "an authentication failure must not be retried")
            #expect(error.description.contains(expectedCode))
            #expect(error.description.contains("check the secret access key"))
            #expect(!error.description.contains(moto.credentials.secretAccessKey))
            #expect(!error.description.contains(moto.wrongCredentials.secretAccessKey))
        }
    }

    @Test func unknownAccessKeyIsRejected() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let stranger = AWSCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        let ec2Error = try #require(throws: AWSError.self) {
            _ = try EC2Client(configuration: moto.configuration(credentials: stranger)).describeInstances()
        }
        #expect(ec2Error.code == "AuthFailure")
        let stsError = try #require(throws: AWSError.self) {
            _ = try STSClient(configuration: moto.configuration(credentials: stranger)).getCallerIdentity()
        }
        #expect(stsError.code == "InvalidClientTokenId")
        #expect(stsError.status == 403)
    }
}
