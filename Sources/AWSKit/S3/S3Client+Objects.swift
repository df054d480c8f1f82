import Foundation
import HTTPKit

extension S3Client {
    /// Writes `body` to `key`; returns the new ETag. With a `condition`, a lost race
    /// throws ``S3WriteConflict`` instead of overwriting.
    @discardableResult
    public func putObject(bucket: String, key: String, body: Data, contentType: String = "application/octet-stream",
                          condition: S3WriteCondition? = nil) throws -> String {
        var headers = [HTTPHeader("Content-Type", contentType)]
        if let condition { headers.append(HTTPHeader(condition.header.name, condition.header.value)) }
        let request = HTTPRequest(method: "PUT", url: url(bucket: bucket, key: key), headers: headers, body: body)
        do {
            return try service.send(request, operation: "PutObject").header("ETag") ?? ""
        } catch let error as AWSError {
            guard let condition, Self.isConflict(error) else { throw error }
            throw S3WriteConflict(bucket: bucket, key: key, condition: condition)
        }
    }

    /// Reads `key`. A missing object throws ``AWSError`` with code `NoSuchKey`.
    public func getObject(bucket: String, key: String) throws -> S3Object {
        let response = try service.send(HTTPRequest(method: "GET", url: url(bucket: bucket, key: key)),
                                        operation: "GetObject")
        return S3Object(body: response.body, metadata: S3ObjectMetadata(response: response))
    }

    /// What S3 knows about `key`, or nil when there is no such object.
    public func headObject(bucket: String, key: String) throws -> S3ObjectMetadata? {
        do {
            let response = try service.send(HTTPRequest(method: "HEAD", url: url(bucket: bucket, key: key)),
                                            operation: "HeadObject")
            return S3ObjectMetadata(response: response)
        } catch let error as AWSError where error.status == 404 {
            return nil
        }
    }

    /// Deletes `key`; deleting a missing key succeeds, as in S3.
    public func deleteObject(bucket: String, key: String) throws {
        _ = try service.send(HTTPRequest(method: "DELETE", url: url(bucket: bucket, key: key)),
                             operation: "DeleteObject")
    }

    /// Every object under `prefix`, across every page (`pageSize` keys per request,
    /// 1 to 1000), in key order.
    public func listObjects(bucket: String, prefix: String = "", pageSize: Int = 1000) throws -> [S3ObjectSummary] {
        var objects = [S3ObjectSummary]()
        var token: String?
        repeat {
            var query: [(name: String, value: String)] = [("list-type", "2"), ("max-keys", String(pageSize))]
            if !prefix.isEmpty { query.append(("prefix", prefix)) }
            if let token { query.append(("continuation-token", token)) }
            let response = try service.send(HTTPRequest(method: "GET", url: url(bucket: bucket, query: query)),
                                            operation: "ListObjectsV2")
            let page = try XMLTree.parse(response.body)
            objects += page.children("Contents").map(S3ObjectSummary.init(xml:))
            token = page.value("IsTruncated") == "true" ? page.value("NextContinuationToken") : nil
        } while token != nil
        return objects
    }

    /// Creates `bucket` in this client's region (with a `LocationConstraint` outside us-east-1).
    public func createBucket(_ bucket: String) throws {
        let region = service.configuration.region
        var body = Data()
        if region != "us-east-1" {
            body = Data(("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<LocationConstraint>\(region)</LocationConstraint></CreateBucketConfiguration>").utf8)
        }
        _ = try service.send(HTTPRequest(method: "PUT", url: url(bucket: bucket), body: body), operation: "CreateBucket")
    }

    /// 412 Precondition Failed, or 409 ConditionalRequestConflict (two conditional writes at once).
    private static func isConflict(_ error: AWSError) -> Bool {
        error.status == 412 || (error.status == 409 && error.code == "ConditionalRequestConflict")
    }
}
