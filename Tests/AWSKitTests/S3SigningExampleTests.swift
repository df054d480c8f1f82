import AWSKit
import Foundation
import HTTPKit
import Testing

/// The worked examples of AWS's S3 documentation: "Signature Calculations for
/// the Authorization Header: Transferring Payload in a Single Chunk" and
/// "Authenticating Requests: Using Query Parameters". All use bucket
/// `examplebucket` in us-east-1 at 2013-05-24T00:00:00Z.
@Suite("S3 signing examples")
struct S3SigningExampleTests {
    static let credentials = AWSCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE",
                                            secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    /// 2013-05-24T00:00:00Z.
    static let date = Date(timeIntervalSince1970: 1_369_353_600)
    static let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3")
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    func expectSigned(_ request: HTTPRequest, canonicalRequest: String, stringToSign: String,
                      signature: String, signedHeaders: String) throws {
        let steps = try Self.signer.signingSteps(for: request, date: Self.date)
        #expect(steps.canonicalRequest == canonicalRequest)
        #expect(steps.stringToSign == stringToSign)
        #expect(steps.signature == signature)
        let authorization = steps.signedRequest.headers.first { $0.name == "Authorization" }?.value
        #expect(authorization == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)")
    }

    @Test func getObjectWithRange() throws {
        let request = HTTPRequest(url: "https://examplebucket.s3.amazonaws.com/test.txt",
                                  headers: [HTTPHeader("Range", "bytes=0-9")])
        try expectSigned(request, canonicalRequest: """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:\(Self.emptyHash)
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            \(Self.emptyHash)
            """, stringToSign: """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """, signature: "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
            signedHeaders: "host;range;x-amz-content-sha256;x-amz-date")
    }

    /// The key `test$file.text` is sent as written and signed encoded once.
    @Test func putObject() throws {
        let request = HTTPRequest(method: "PUT", url: "https://examplebucket.s3.amazonaws.com/test$file.text",
                                  headers: [HTTPHeader("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                                            HTTPHeader("x-amz-storage-class", "REDUCED_REDUNDANCY")],
                                  body: Data("Welcome to Amazon S3.".utf8))
        let bodyHash = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
        try expectSigned(request, canonicalRequest: """
            PUT
            /test%24file.text

            date:Fri, 24 May 2013 00:00:00 GMT
            host:examplebucket.s3.amazonaws.com
            x-amz-content-sha256:\(bodyHash)
            x-amz-date:20130524T000000Z
            x-amz-storage-class:REDUCED_REDUNDANCY

            date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class
            \(bodyHash)
            """, stringToSign: """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d
            """, signature: "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
            signedHeaders: "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class")

        // The same key already percent-encoded signs the same way (S3 encodes once).
        var encoded = request
        encoded.url = "https://examplebucket.s3.amazonaws.com/test%24file.text"
        #expect(try Self.signer.signingSteps(for: encoded, date: Self.date).signature
            == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func getBucketLifecycle() throws {
        let request = HTTPRequest(url: "https://examplebucket.s3.amazonaws.com/?lifecycle")
        try expectSigned(request, canonicalRequest: """
            GET
            /
            lifecycle=
            host:examplebucket.s3.amazonaws.com
            x-amz-content-sha256:\(Self.emptyHash)
            x-amz-date:20130524T000000Z

            host;x-amz-content-sha256;x-amz-date
            \(Self.emptyHash)
            """, stringToSign: """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca
            """, signature: "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
            signedHeaders: "host;x-amz-content-sha256;x-amz-date")
    }

    @Test func listObjects() throws {
        let request = HTTPRequest(url: "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J")
        try expectSigned(request, canonicalRequest: """
            GET
            /
            max-keys=2&prefix=J
            host:examplebucket.s3.amazonaws.com
            x-amz-content-sha256:\(Self.emptyHash)
            x-amz-date:20130524T000000Z

            host;x-amz-content-sha256;x-amz-date
            \(Self.emptyHash)
            """, stringToSign: """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7
            """, signature: "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
            signedHeaders: "host;x-amz-content-sha256;x-amz-date")
    }

    @Test func presignedGetObject() throws {
        let request = HTTPRequest(url: "https://examplebucket.s3.amazonaws.com/test.txt")
        let steps = try Self.signer.presigningSteps(for: request, expiresIn: 86400, date: Self.date)
        #expect(steps.canonicalRequest == """
            GET
            /test.txt
            X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host
            host:examplebucket.s3.amazonaws.com

            host
            UNSIGNED-PAYLOAD
            """)
        #expect(steps.stringToSign == """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04
            """)
        #expect(steps.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(steps.signedRequest.url == "https://examplebucket.s3.amazonaws.com/test.txt"
            + "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test func unsignedPayloadOption() throws {
        var options = SigningOptions.s3
        options.payload = .unsigned
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "s3", options: options)
        let request = HTTPRequest(method: "PUT", url: "https://examplebucket.s3.amazonaws.com/big.bin",
                                  body: Data(repeating: 7, count: 1024))
        let steps = try signer.signingSteps(for: request, date: Self.date)
        #expect(steps.payloadHash == "UNSIGNED-PAYLOAD")
        #expect(steps.canonicalRequest.hasSuffix("\nUNSIGNED-PAYLOAD"))
        #expect(steps.signedRequest.headers.contains(HTTPHeader("x-amz-content-sha256", "UNSIGNED-PAYLOAD")))
    }

    @Test func presignRejectsExpiryBeyondSevenDays() {
        let request = HTTPRequest(url: "https://examplebucket.s3.amazonaws.com/test.txt")
        #expect(throws: SigV4Error.expiryOutOfRange(604_801)) {
            try Self.signer.presign(request, expiresIn: 604_801, date: Self.date)
        }
        #expect(throws: SigV4Error.expiryOutOfRange(0)) {
            try Self.signer.presign(request, expiresIn: 0, date: Self.date)
        }
        #expect((try? Self.signer.presign(request, expiresIn: 604_800, date: Self.date)) != nil)
    }
}
