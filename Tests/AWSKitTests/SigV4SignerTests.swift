import AWSKit
import Foundation
import HTTPKit
import Testing

/// Behaviour beyond the published vectors: encoding modes, re-signing, hosts.
@Suite("SigV4 signer behaviour")
struct SigV4SignerTests {
    static let credentials = AWSCredentials(accessKeyId: "AKIDEXAMPLE",
                                            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    func canonicalURI(_ url: String, service: String) throws -> String {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: service)
        let steps = try signer.signingSteps(for: HTTPRequest(url: url), date: suiteDate)
        return steps.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[1].description
    }

    @Test func otherServicesEncodeAnEncodedPathAgain() throws {
        #expect(try canonicalURI("https://example.amazonaws.com/a%20b/c", service: "ec2") == "/a%2520b/c")
        #expect(try canonicalURI("https://example.amazonaws.com/a/./b/../c//d/", service: "ec2") == "/a/c/d/")
    }

    @Test func s3SignsThePathEncodedOnceAndUnnormalised() throws {
        #expect(try canonicalURI("https://b.s3.amazonaws.com/a%20b/c", service: "s3") == "/a%20b/c")
        #expect(try canonicalURI("https://b.s3.amazonaws.com/a/./b/../c//d", service: "s3") == "/a/./b/../c//d")
        #expect(try canonicalURI("https://b.s3.amazonaws.com/caf%C3%A9+x", service: "s3") == "/caf%C3%A9%2Bx")
    }

    @Test func queryIsDecodedReencodedAndSorted() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "s3")
        let request = HTTPRequest(url: "https://b.s3.amazonaws.com/?prefix=a%2Fb&list-type=2&a=2&a=1&flag")
        let steps = try signer.signingSteps(for: request, date: suiteDate)
        let query = steps.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2]
        #expect(query == "a=1&a=2&flag=&list-type=2&prefix=a%2Fb")
    }

    @Test func hostHeaderKeepsOnlyNonDefaultPorts() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "ec2")
        for (url, host) in [("http://127.0.0.1:5000/", "127.0.0.1:5000"), ("https://ec2.example.com:443/", "ec2.example.com"),
                            ("http://Ec2.Example.com:80", "ec2.example.com")] {
            let signed = try signer.sign(HTTPRequest(url: url), date: suiteDate)
            #expect(signed.headers.first { $0.name == "Host" }?.value == host)
        }
    }

    @Test func resigningReplacesTheOldSignature() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "ec2")
        let once = try signer.sign(HTTPRequest(url: "https://ec2.amazonaws.com/"), date: suiteDate)
        let twice = try signer.sign(once, date: suiteDate.addingTimeInterval(60))
        #expect(twice.headers.filter { $0.name == "Authorization" }.count == 1)
        #expect(twice.headers.filter { $0.name == "X-Amz-Date" }.map(\.value) == ["20150830T123700Z"])
        #expect(twice.headers.filter { $0.name == "Host" }.count == 1)
    }

    @Test func userAgentIsNotSigned() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "ec2")
        let request = HTTPRequest(url: "https://ec2.amazonaws.com/", headers: [HTTPHeader("User-Agent", "clusterctl")])
        #expect(try signer.signingSteps(for: request, date: suiteDate).signedHeaders == "host;x-amz-date")
    }

    @Test func timestampDropsFractionalSeconds() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "ec2")
        let signed = try signer.sign(HTTPRequest(url: "https://ec2.amazonaws.com/"), date: suiteDate.addingTimeInterval(0.999))
        #expect(signed.headers.contains(HTTPHeader("X-Amz-Date", "20150830T123600Z")))
    }

    @Test func presignedS3URLCarriesTheSessionToken() throws {
        let credentials = AWSCredentials(accessKeyId: "ASIAEXAMPLEKEY123456", secretAccessKey: "secret",
                                         sessionToken: "token/with+chars=")
        let signer = SigV4Signer(credentials: credentials, region: "eu-west-1", service: "s3")
        let url = try signer.presign(HTTPRequest(url: "https://b.s3.eu-west-1.amazonaws.com/k"), expiresIn: 60,
                                     date: suiteDate).url
        #expect(url.contains("&X-Amz-Security-Token=token%2Fwith%2Bchars%3D&"))
        #expect(url.contains("X-Amz-Expires=60"))
    }

    @Test func aURLWithoutHostIsRejected() {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "ec2")
        #expect(throws: SigV4Error.invalidURL("/just/a/path")) {
            try signer.sign(HTTPRequest(url: "/just/a/path"))
        }
    }
}

@Suite("URI encoding")
struct URIEncodingTests {
    @Test func encodesEverythingButUnreserved() {
        #expect(URIEncoding.encode("a b/c~d_e.f-g+h=i&ሴ") == "a%20b%2Fc~d_e.f-g%2Bh%3Di%26%E1%88%B4")
        #expect(URIEncoding.encode("photos/a b.jpg", keepingSlash: true) == "photos/a%20b.jpg")
    }

    @Test func decodesValidEscapesOnly() {
        #expect(URIEncoding.decode("a%20b%2fc+d%zz%4") == "a b/c+d%zz%4")
    }

    @Test func buildsQueriesAndFormBodies() {
        let body = URIEncoding.query([("Action", "RunInstances"), ("TagSpecification.1.Tag.1.Value", "a b/c")])
        #expect(body == "Action=RunInstances&TagSpecification.1.Tag.1.Value=a%20b%2Fc")
    }
}
