import Foundation
import HTTPKit

/// An object read with `GetObject`.
public struct S3Object: Sendable, Equatable {
    public var body: Data
    public var metadata: S3ObjectMetadata
}

/// What `HeadObject` and `GetObject` say about an object.
public struct S3ObjectMetadata: Sendable, Equatable {
    /// The entity tag, quotes included (`"9b2cf535f27731c974343645a3985328"`), as
    /// `If-Match` wants it.
    public var etag: String
    public var size: Int?
    public var contentType: String?
    public var lastModified: Date?

    init(response: HTTPResponse) {
        etag = response.header("ETag") ?? ""
        size = response.header("Content-Length").flatMap { Int($0) }
        contentType = response.header("Content-Type")
        lastModified = AWSTimestamp.parse(response.header("Last-Modified"))
    }
}

/// One entry of a `ListObjectsV2` page.
public struct S3ObjectSummary: Sendable, Equatable {
    public var key: String
    public var size: Int
    public var etag: String
    public var lastModified: Date?

    init(xml contents: XMLTree) {
        key = contents.child("Key")?.text ?? ""
        size = contents.value("Size").flatMap { Int($0) } ?? 0
        etag = contents.value("ETag") ?? ""
        lastModified = AWSTimestamp.parse(contents.value("LastModified"))
    }
}
