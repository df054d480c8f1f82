import AWSKit
import Foundation
import HTTPKit
import Testing

/// Presigned S3 URLs used with nothing but `HTTPClient.send`, and their signatures
/// re-derived by botocore (moto does not check them).
@Suite("S3 presigned URLs")
struct S3PresignTests {
    @Test func presignedPutThenGetWorkWithAPlainHTTPClient() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let s3 = S3Client(configuration: moto.configuration())
        try s3.createBucket("shared")
        let key = "reports/week 1/résumé.txt"
        let putURL = try s3.presignedPutURL(bucket: "shared", key: key, expiresIn: 300)
        let getURL = try s3.presignedGetURL(bucket: "shared", key: key, expiresIn: 300)
        for url in [putURL, getURL] {
            #expect(url.hasPrefix(moto.endpoint + "/shared/reports/week%201/r%C3%A9sum%C3%A9.txt?"))
            #expect(url.contains("X-Amz-Expires=300"))
            #expect(url.contains("X-Amz-Credential=\(moto.credentials.accessKeyId)%2F"))
            #expect(!url.contains(moto.credentials.secretAccessKey))
        }

        let http = HTTPClient()
        let (put, get, stored) = try moto.withSignatureChecksSuspended {
            (try http.send(HTTPRequest(method: "PUT", url: putURL, body: Data("hello".utf8))),
             try http.send(HTTPRequest(url: getURL)),
             try s3.getObject(bucket: "shared", key: key).body)
        }
        #expect(put.status == 200)
        #expect(get.status == 200)
        #expect(get.text == "hello")
        #expect(stored == Data("hello".utf8))
        let checkedAgain = try #require(throws: AWSError.self) {
            _ = try S3Client(configuration: moto.configuration(credentials: moto.wrongCredentials)).listObjects(bucket: "shared")
        }
        #expect(checkedAgain.code == "SignatureDoesNotMatch", "signature checks are back on")

        #expect(try Self.verify("PUT", putURL, secret: moto.credentials.secretAccessKey) == "valid")
        #expect(try Self.verify("GET", getURL, secret: moto.credentials.secretAccessKey) == "valid")
    }

    @Test func verifierRejectsTamperedURLsAndWrongSecrets() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let s3 = S3Client(configuration: moto.configuration())
        let url = try s3.presignedGetURL(bucket: "shared", key: "a.txt", expiresIn: 60)
        #expect(try Self.verify("GET", url, secret: moto.credentials.secretAccessKey) == "valid")
        #expect(try Self.verify("GET", url.replacingOccurrences(of: "a.txt", with: "b.txt"),
                                secret: moto.credentials.secretAccessKey).hasPrefix("invalid"))
        #expect(try Self.verify("PUT", url, secret: moto.credentials.secretAccessKey).hasPrefix("invalid"))
        #expect(try Self.verify("GET", url, secret: moto.wrongCredentials.secretAccessKey).hasPrefix("invalid"))
    }

    /// Runs `verify_presigned.py` (the secret on its stdin) and returns its verdict.
    static func verify(_ method: String, _ url: String, secret: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", FixtureProcess.fixtures.appendingPathComponent("verify_presigned.py").path, method, url]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(secret.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
