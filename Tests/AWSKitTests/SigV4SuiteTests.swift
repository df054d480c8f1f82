import AWSKit
import Foundation
import HTTPKit
import Testing

/// One case of the AWS SigV4 test suite: a request and the expected values of
/// header signing and of query signing (presigned URL).
struct SigV4SuiteCase: CustomTestStringConvertible, Sendable {
    struct Expected: Sendable {
        var canonicalRequest: String
        var stringToSign: String
        var signature: String
    }

    var name: String
    var method: String
    var url: String
    var headers: [(String, String)]
    var body: String
    var sessionToken: String?
    /// False for the "unnormalized" cases: path signed as written (S3 style).
    var normalize: Bool
    /// True when the case signs `x-amz-content-sha256` in header signing.
    var signBody: Bool
    var header: Expected
    var query: Expected

    var testDescription: String { name }

    var request: HTTPRequest {
        HTTPRequest(method: method, url: url, headers: headers.map { HTTPHeader($0.0, $0.1) }, body: Data(body.utf8))
    }

    var signer: SigV4Signer {
        let credentials = AWSCredentials(accessKeyId: "AKIDEXAMPLE",
                                         secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                         sessionToken: sessionToken)
        let options = SigningOptions(normalizesPath: normalize, encodesPathTwice: normalize,
                                     addsContentSHA256Header: signBody)
        return SigV4Signer(credentials: credentials, region: "us-east-1", service: "service", options: options)
    }
}

/// 2015-08-30T12:36:00Z, the time of every suite case.
let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)

@Suite("AWS SigV4 test suite")
struct SigV4SuiteTests {
    @Test("header signing", arguments: sigV4SuiteCases)
    func headerSigning(_ testCase: SigV4SuiteCase) throws {
        let steps = try testCase.signer.signingSteps(for: testCase.request, date: suiteDate)
        #expect(steps.canonicalRequest == testCase.header.canonicalRequest)
        #expect(steps.stringToSign == testCase.header.stringToSign)
        #expect(steps.signature == testCase.header.signature)

        let signed = steps.signedRequest
        let authorization = signed.headers.filter { $0.name == "Authorization" }.map(\.value)
        #expect(authorization == ["AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            + "SignedHeaders=\(steps.signedHeaders), Signature=\(testCase.header.signature)"])
        #expect(signed.headers.contains(HTTPHeader("X-Amz-Date", "20150830T123600Z")))
        if let token = testCase.sessionToken {
            #expect(signed.headers.contains(HTTPHeader("X-Amz-Security-Token", token)))
        }
    }

    @Test("query signing (presigned URL)", arguments: sigV4SuiteCases)
    func querySigning(_ testCase: SigV4SuiteCase) throws {
        let steps = try testCase.signer.presigningSteps(for: testCase.request, expiresIn: 3600, date: suiteDate)
        #expect(steps.canonicalRequest == testCase.query.canonicalRequest)
        #expect(steps.stringToSign == testCase.query.stringToSign)
        #expect(steps.signature == testCase.query.signature)
        #expect(steps.signedRequest.url.hasSuffix("&X-Amz-Signature=\(testCase.query.signature)"))
        #expect(!steps.signedRequest.headers.contains { $0.name == "Authorization" })
    }

    /// The 2015 suite's post-x-www-form-urlencoded, which signs the body hash
    /// without sending `x-amz-content-sha256` (how EC2's form POSTs are signed).
    @Test func formPostWithoutContentHashHeader() throws {
        let request = HTTPRequest(method: "POST", url: "https://example.amazonaws.com/",
                                  headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")],
                                  body: Data("Param1=value1".utf8))
        let credentials = AWSCredentials(accessKeyId: "AKIDEXAMPLE",
                                         secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service")
        let steps = try signer.signingSteps(for: request, date: suiteDate)
        #expect(steps.canonicalRequest == """
            POST
            /

            content-type:application/x-www-form-urlencoded
            host:example.amazonaws.com
            x-amz-date:20150830T123600Z

            content-type;host;x-amz-date
            9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e
            """)
        #expect(steps.stringToSign == """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/service/aws4_request
            42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281
            """)
        #expect(steps.signature == "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")
        #expect(!steps.signedRequest.headers.contains { $0.name.lowercased() == "x-amz-content-sha256" })
    }
}
