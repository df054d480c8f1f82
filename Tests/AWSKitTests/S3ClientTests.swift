import AWSKit
import Foundation
import HTTPKit
import Testing

/// S3 object calls against moto with signature checking on.
@Suite("S3 against moto")
struct S3ClientTests {
    @Test func objectLifecycle() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let s3 = S3Client(configuration: moto.configuration())
        try s3.createBucket("state")
        let etag = try s3.putObject(bucket: "state", key: "dev/state.json", body: Data("{\"v\":1}".utf8),
                                    contentType: "application/json")
        #expect(etag.hasPrefix("\"") && etag.count > 2)

        let object = try s3.getObject(bucket: "state", key: "dev/state.json")
        #expect(String(decoding: object.body, as: UTF8.self) == "{\"v\":1}")
        #expect(object.metadata.etag == etag)
        #expect(object.metadata.contentType == "application/json")

        let head = try #require(try s3.headObject(bucket: "state", key: "dev/state.json"))
        #expect(head.etag == etag)
        #expect(head.size == 7)
        #expect(head.lastModified.map { abs($0.timeIntervalSinceNow) < 600 } == true)
        #expect(try s3.headObject(bucket: "state", key: "dev/missing.json") == nil)
        let missing = try #require(throws: AWSError.self) { _ = try s3.getObject(bucket: "state", key: "dev/missing.json") }
        #expect(missing.code == "NoSuchKey")
        #expect(missing.status == 404)
        #expect(missing.service == "S3" && missing.operation == "GetObject")

        try s3.deleteObject(bucket: "state", key: "dev/state.json")
        #expect(try s3.headObject(bucket: "state", key: "dev/state.json") == nil)
        try s3.deleteObject(bucket: "state", key: "dev/state.json")
    }

    @Test func keysThatNeedEncodingRoundTrip() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let s3 = S3Client(configuration: moto.configuration())
        try s3.createBucket("odd-keys")
        // Spaces and `~` pass moto's signature check.
        try s3.putObject(bucket: "odd-keys", key: "with space/tilde~.txt", body: Data("checked".utf8))
        #expect(try s3.getObject(bucket: "odd-keys", key: "with space/tilde~.txt").body == Data("checked".utf8))

        // moto 5.2 recomputes S3 signatures over a re-quoted path and query, so keys with
        // reserved characters or non-ASCII letters fail its check even when boto3 signs them
        // (checked by hand: `+ = & * ( ) ; , : @ $ ' !`, `ü`, and a prefix with `/`). Their
        // encoding is shown here with the check suspended; AWS's own S3 signing examples
        // cover the signatures (S3SigningExampleTests).
        let keys = ["with space/and+plus=equals&amp.txt", "ünïcødé/ключ.json", "star*paren(1);x,y:z@$'!.txt"]
        let listed = try moto.withSignatureChecksSuspended {
            for key in keys {
                try s3.putObject(bucket: "odd-keys", key: key, body: Data(key.utf8))
                #expect(try s3.getObject(bucket: "odd-keys", key: key).body == Data(key.utf8))
                #expect(try s3.headObject(bucket: "odd-keys", key: key)?.size == key.utf8.count)
            }
            return try s3.listObjects(bucket: "odd-keys", prefix: "with space/").map(\.key)
        }
        #expect(Set(listed) == ["with space/tilde~.txt", "with space/and+plus=equals&amp.txt"])
    }

    @Test func bucketOutsideUSEast1GetsItsLocationConstraint() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let s3 = S3Client(configuration: moto.configuration(region: "eu-west-1"))
        try s3.createBucket("eu-state")
        let location = try s3.service.send(HTTPRequest(url: s3.url(bucket: "eu-state", query: [("location", "")])),
                                           operation: "GetBucketLocation")
        #expect(try XMLTree.parse(location.body).text == "eu-west-1")
        try s3.putObject(bucket: "eu-state", key: "k", body: Data("v".utf8))
        #expect(try s3.listObjects(bucket: "eu-state").map(\.key) == ["k"])
    }

    @Test func listObjectsReturnsEveryPage() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let proxy = try FaultProxy(upstream: moto.endpoint)
        defer { proxy.stop() }
        let s3 = S3Client(configuration: AWSClientConfiguration(region: "us-east-1", credentials: moto.credentials,
                                                                endpoint: proxy.endpoint))
        try s3.createBucket("pages")
        let keys = (1...7).map { "run-\($0).log" }
        for key in keys { try s3.putObject(bucket: "pages", key: key, body: Data(key.utf8)) }
        try s3.putObject(bucket: "pages", key: "other.log", body: Data())

        try proxy.inject(0)
        // A prefix without `/`: moto's signature check fails on an encoded `/` in the query.
        let listed = try s3.listObjects(bucket: "pages", prefix: "run-", pageSize: 2)
        #expect(listed.map(\.key) == keys.sorted())
        #expect(listed.allSatisfy { $0.size == $0.key.utf8.count && !$0.etag.isEmpty })
        #expect(try proxy.stats().requests == 4, "7 keys at 2 per page take 4 requests")
        #expect(try s3.listObjects(bucket: "pages").count == 8)
    }

    @Test func conditionalWritesLoseRacesCleanly() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let s3 = S3Client(configuration: moto.configuration())
        try s3.createBucket("locks")

        let first = try s3.putObject(bucket: "locks", key: "dev/lock", body: Data("a".utf8), condition: .doesNotExist)
        let exists = try #require(throws: S3WriteConflict.self) {
            try s3.putObject(bucket: "locks", key: "dev/lock", body: Data("b".utf8), condition: .doesNotExist)
        }
        #expect(exists == S3WriteConflict(bucket: "locks", key: "dev/lock", condition: .doesNotExist))
        #expect(exists.description.hasPrefix("someone else wrote s3://locks/dev/lock first"))

        let second = try s3.putObject(bucket: "locks", key: "dev/lock", body: Data("c".utf8), condition: .etagMatches(first))
        #expect(second != first)
        let stale = try #require(throws: S3WriteConflict.self) {
            try s3.putObject(bucket: "locks", key: "dev/lock", body: Data("d".utf8), condition: .etagMatches(first))
        }
        #expect(stale.condition == .etagMatches(first))
        #expect(stale.description.hasPrefix("someone else wrote s3://locks/dev/lock first"))
        #expect(stale.description.contains(first))
        #expect(try s3.getObject(bucket: "locks", key: "dev/lock").body == Data("c".utf8))
    }
}
