import AWSKit
import Foundation
import HTTPKit
import Testing

@Suite("Credential chain: IMDSv2 stand-in on loopback")
struct InstanceMetadataTests {
    @Test func chainFallsBackToTheMetadataServiceWithTheTokenFlow() throws {
        let server = try IMDSStandIn()
        defer { server.stop() }
        let home = try TemporaryDirectory()
        defer { home.remove() }

        let chain = CredentialChain(environment: ["HOME": home.path, "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.endpoint])
        let credentials = try chain.credentials()
        #expect(credentials.accessKeyId == IMDSStandIn.accessKeyId)
        #expect(credentials.secretAccessKey == IMDSStandIn.secret)
        #expect(credentials.sessionToken == IMDSStandIn.sessionToken)
        #expect(credentials.source == .instanceMetadata(role: IMDSStandIn.role))
        #expect(credentials.expiration == ISO8601DateFormatter().date(from: "2099-01-01T00:00:00Z"))
        #expect(server.requests == [
            "PUT /latest/api/token token-request",
            "GET /latest/meta-data/iam/security-credentials/ token-ok",
            "GET /latest/meta-data/iam/security-credentials/\(IMDSStandIn.role) token-ok",
        ])
    }

    /// The stand-in really enforces IMDSv2, so the test above proves the token is sent.
    @Test func standInRefusesRequestsWithoutTheToken() throws {
        let server = try IMDSStandIn()
        defer { server.stop() }
        let response = try HTTPClient().send(HTTPRequest(url: server.endpoint + "/latest/meta-data/iam/security-credentials/"))
        #expect(response.status == 401)
        #expect(server.requests == ["GET /latest/meta-data/iam/security-credentials/ no-token"])
    }

    @Test func disabledMetadataServiceIsNotContacted() throws {
        let server = try IMDSStandIn()
        defer { server.stop() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let chain = CredentialChain(environment: ["HOME": home.path, "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.endpoint,
                                                  "AWS_EC2_METADATA_DISABLED": "true"])
        #expect(throws: CredentialError.self) { try chain.resolve() }
        #expect(server.requests.isEmpty)
    }

    @Test func environmentSettingsAreRead() {
        let client = InstanceMetadataClient(environment: [
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1338/", "AWS_METADATA_SERVICE_TIMEOUT": "2.5",
            "AWS_METADATA_SERVICE_NUM_ATTEMPTS": "3",
        ])
        #expect(client.endpoint == "http://127.0.0.1:1338")
        #expect(client.timeout == 2.5)
        #expect(client.attempts == 3)
        #expect(InstanceMetadataClient(environment: [:]).endpoint == "http://169.254.169.254")
        #expect(InstanceMetadataClient(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"]).endpoint
            == "http://[fd00:ec2::254]")
    }
}
