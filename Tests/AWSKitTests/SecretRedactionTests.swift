@testable import AWSKit
import Foundation
import HTTPKit
import Testing

/// No secret key or session token may reach any printed form.
@Suite("Secrets never printed")
struct SecretRedactionTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let token = "FwoGZXIvYXdzEXAMPLE/session+token=="
    static let credentials = AWSCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secret,
                                            sessionToken: token, source: .environment)

    func expectClean(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains(Self.secret), sourceLocation: sourceLocation)
        #expect(!text.contains(Self.token), sourceLocation: sourceLocation)
        #expect(!text.contains(URIEncoding.encode(Self.secret)), sourceLocation: sourceLocation)
        #expect(!text.contains(URIEncoding.encode(Self.token)), sourceLocation: sourceLocation)
        #expect(!text.contains("AKIAIOSFODNN7EXAMPLE"), sourceLocation: sourceLocation)
    }

    @Test func everyPrintedFormIsMasked() {
        let credentials = Self.credentials
        var dumped = ""
        dump(credentials, to: &dumped)
        let forms = [
            credentials.description, credentials.debugDescription, String(describing: credentials),
            String(reflecting: credentials), "\(credentials)", dumped, String(describing: [credentials]),
            String(describing: Optional(credentials)),
        ]
        for form in forms {
            expectClean(form)
            #expect(form.contains("AKIA************MPLE"))
        }
        #expect(credentials.description == "AWSCredentials(accessKeyId: AKIA************MPLE, "
            + "secretAccessKey: <redacted>, sessionToken: <redacted>, source: environment variables (AWS_ACCESS_KEY_ID))")
    }

    @Test func maskingShortKeys() {
        #expect(AWSCredentials(accessKeyId: "AKID", secretAccessKey: "s").maskedAccessKeyId == "****")
        #expect(AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "s").maskedAccessKeyId == "AKID***MPLE")
    }

    @Test func redactRemovesSecretsFromArbitraryText() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "s3")
        let presigned = try signer.presign(HTTPRequest(url: "https://b.s3.amazonaws.com/k"), expiresIn: 60)
        let signed = try signer.sign(HTTPRequest(url: "https://b.s3.amazonaws.com/k"))
        let debugText = """
            secret=\(Self.secret) token=\(Self.token)
            url=\(presigned.url)
            headers=\(signed.headers.map { "\($0.name): \($0.value)" }.joined(separator: "; "))
            """
        #expect(debugText.contains(Self.secret))
        let redacted = Self.credentials.redact(debugText)
        expectClean(redacted)
        #expect(redacted.contains("secret=<redacted> token=<redacted>"))
        #expect(redacted.contains("X-Amz-Security-Token=<redacted>"))
        #expect(redacted.contains("Credential=AKIA************MPLE/"))
    }

    @Test func errorsCarryNoSecrets() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Only a secret in the environment: the error names what is missing, not the value.
        let chain = CredentialChain(environment: ["HOME": directory.path, "AWS_SECRET_ACCESS_KEY": Self.secret,
                                                  "AWS_SESSION_TOKEN": Self.token, "AWS_EC2_METADATA_DISABLED": "true"])
        let error = #expect(throws: CredentialError.self) { try chain.resolve() }
        let text = String(describing: error)
        expectClean(text)
        #expect(text.contains("AWS_ACCESS_KEY_ID is missing"))

        // A key id without its secret in a file.
        try directory.write(".aws/credentials", "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_session_token = \(Self.token)\n")
        let fileError = #expect(throws: CredentialError.self) {
            try CredentialChain(environment: ["HOME": directory.path, "AWS_EC2_METADATA_DISABLED": "true"]).resolve()
        }
        expectClean(String(describing: fileError))

        // An instance metadata reply that is not Success never echoes its body.
        let body = Data(#"{"Code": "Expired", "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "\#(Self.secret)"}"#.utf8)
        let imdsError = #expect(throws: InstanceMetadataError.self) {
            try InstanceMetadataClient.decodeCredentials(body, role: "r")
        }
        expectClean(String(describing: imdsError))
    }
}
