import AWSKit
import Foundation
import HTTPKit
import Testing

/// A real moto server on 127.0.0.1 with SigV4 checking on (fixture `moto_server.py`),
/// an IAM user with an allow-all policy, and that user's key pair. The AMI catalogue is
/// `Fixtures/amis.json`. Before it is handed out, the server is shown to reject a request
/// signed with a wrong secret and to accept the real one.
final class MotoServer {
    let endpoint: String
    /// The IAM user's real key pair: use it for every call.
    let credentials: AWSCredentials
    let userARN: String
    private let fixture: FixtureProcess

    init() throws {
        fixture = try FixtureProcess(script: "moto_server.py", arguments: ["{state}"], environment: [
            "INITIAL_NO_AUTH_ACTION_COUNT": "3",
            "MOTO_AMIS_PATH": FixtureProcess.fixtures.appendingPathComponent("amis.json").path,
        ])
        do {
            let state = try JSONSerialization.jsonObject(with: Data(fixture.stateText.utf8)) as? [String: String] ?? [:]
            guard let endpoint = state["endpoint"], let keyId = state["access_key_id"],
                  let secret = state["secret_access_key"], let arn = state["user_arn"] else {
                throw FixtureProcess.StartFailure(description: "moto_server.py wrote an incomplete state file")
            }
            self.endpoint = endpoint
            credentials = AWSCredentials(accessKeyId: keyId, secretAccessKey: secret)
            userARN = arn
            try verifySignatureChecking()
        } catch {
            fixture.stop()
            throw error
        }
    }

    /// A client configuration against this server with the real key (or `credentials`).
    func configuration(region: String = "us-east-1", credentials: (any CredentialProvider)? = nil,
                       retryPolicy: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: 0.01)) -> AWSClientConfiguration {
        AWSClientConfiguration(region: region, credentials: credentials ?? self.credentials, endpoint: endpoint,
                               retryPolicy: retryPolicy)
    }

    /// The real key id with a wrong secret.
    var wrongCredentials: AWSCredentials {
        AWSCredentials(accessKeyId: credentials.accessKeyId, secretAccessKey: "wrong" + credentials.secretAccessKey.dropFirst(5))
    }

    /// Creates an IAM instance profile (through the generic Query layer, signed with the
    /// real key) and returns its ARN: moto checks that RunInstances names one that exists.
    func createInstanceProfile(_ name: String) throws -> String {
        let iam = AWSServiceClient(service: AWSService(displayName: "IAM", signingName: "iam", endpointPrefix: "iam"),
                                   configuration: configuration())
        var parameters = QueryParameters()
        parameters.add("InstanceProfileName", name)
        let reply = try iam.query("CreateInstanceProfile", version: "2010-05-08", parameters: parameters)
        return try #require(reply.first(named: "Arn")?.text)
    }

    /// Runs `body` with moto's signature checking off, then turns it on again. moto 5.2
    /// cannot serve presigned S3 URLs while it checks signatures (it looks for an
    /// `Authorization` header and fails with HTTP 500), and never checks a presigned
    /// URL's signature anyway: `verify_presigned.py` does that instead.
    func withSignatureChecksSuspended<T>(_ body: () throws -> T) throws -> T {
        try setFreeActions("1000000")
        defer { try? setFreeActions("0") }
        return try body()
    }

    private func setFreeActions(_ count: String) throws {
        let response = try HTTPClient().send(HTTPRequest(method: "POST", url: endpoint + "/moto-api/reset-auth",
                                                         body: Data(count.utf8)))
        try #require(response.status == 200, "moto refused /moto-api/reset-auth: \(response.text)")
    }

    /// moto's own log (one line per request).
    var log: String { fixture.output }

    func stop() { fixture.stop() }

    /// Refuses to hand out a server that would accept anything.
    private func verifySignatureChecking() throws {
        do {
            _ = try STSClient(configuration: configuration(credentials: wrongCredentials)).getCallerIdentity()
            throw FixtureProcess.StartFailure(description: "moto accepted a request signed with a wrong secret")
        } catch let error as AWSError where error.code == "SignatureDoesNotMatch" {}
        _ = try STSClient(configuration: configuration()).getCallerIdentity()
    }
}
