import AWSKit
import Foundation

/// State documents as S3 objects, `<prefix>/<name>/state.json`, written with S3 conditional
/// writes: `If-None-Match: *` when creating, `If-Match: <ETag read>` when replacing. Of two
/// commands writing one cluster's state at once, one gets a clear `StateConflict` and the
/// object stays whole.
struct S3StateDocuments: StateDocuments {
    let client: S3Client
    let bucket: String
    /// Key prefix without a trailing slash (may be empty).
    let prefix: String

    /// Documents at `url` (`s3://bucket/prefix`), reached with `client`.
    init(url: String, client: S3Client) throws {
        guard let (bucket, prefix) = Self.parse(url) else {
            throw ClusterError.usage("\(url) is not an S3 location; write it as s3://BUCKET/PREFIX")
        }
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
    }

    /// The bucket and prefix of `s3://bucket/prefix`.
    static func parse(_ url: String) -> (bucket: String, prefix: String)? {
        guard url.hasPrefix("s3://") else { return nil }
        let rest = url.dropFirst(5)
        let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let bucket = String(parts[0])
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-")
        guard (3...63).contains(bucket.count), bucket.allSatisfy(allowed.contains) else { return nil }
        var prefix = parts.count > 1 ? String(parts[1]) : ""
        while prefix.hasSuffix("/") { prefix.removeLast() }
        return (bucket, prefix)
    }

    var location: String { "s3://\(bucket)" + (prefix.isEmpty ? "" : "/\(prefix)") }

    private func key(_ name: String) -> String { (prefix.isEmpty ? "" : prefix + "/") + name + "/state.json" }

    func read(_ name: String) throws -> (data: Data, version: String?)? {
        do {
            let object = try client.getObject(bucket: bucket, key: key(name))
            return (object.body, object.metadata.etag)
        } catch let error as AWSError where error.code == "NoSuchKey" || error.status == 404 {
            return nil
        }
    }

    func write(_ data: Data, for name: String, replacing version: String?) throws -> String? {
        do {
            return try client.putObject(bucket: bucket, key: key(name), body: data, contentType: "application/json",
                                        condition: version.map { .etagMatches($0) } ?? .doesNotExist)
        } catch is S3WriteConflict {
            throw StateConflict(cluster: name, location: location)
        }
    }

    func remove(_ name: String) throws {
        try client.deleteObject(bucket: bucket, key: key(name))
    }

    func names() throws -> [String] {
        let start = prefix.isEmpty ? "" : prefix + "/"
        // Listed by the bare prefix and filtered here: a query without an encoded `/` in it is
        // one that every S3-compatible endpoint signs alike.
        return try client.listObjects(bucket: bucket, prefix: prefix).compactMap { object in
            guard object.key.hasPrefix(start) else { return nil }
            let rest = object.key.dropFirst(start.count)
            let parts = rest.split(separator: "/")
            return parts.count == 2 && parts[1] == "state.json" ? String(parts[0]) : nil
        }.sorted()
    }
}
