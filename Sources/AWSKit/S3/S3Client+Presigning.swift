import HTTPKit

extension S3Client {
    /// A URL anyone can `GET` `key` with, for `expiresIn` seconds (up to seven days).
    public func presignedGetURL(bucket: String, key: String, expiresIn: Int = 3600) throws -> String {
        try service.presign(HTTPRequest(method: "GET", url: url(bucket: bucket, key: key)), expiresIn: expiresIn).url
    }

    /// A URL anyone can `PUT` `key` with (any body), for `expiresIn` seconds.
    public func presignedPutURL(bucket: String, key: String, expiresIn: Int = 3600) throws -> String {
        try service.presign(HTTPRequest(method: "PUT", url: url(bucket: bucket, key: key)), expiresIn: expiresIn).url
    }
}
