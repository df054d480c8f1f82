import Foundation
import HTTPKit

/// S3 over its REST API. Every request carries `x-amz-content-sha256`.
///
/// Addressing: virtual-hosted (`https://BUCKET.s3.REGION.amazonaws.com/KEY`) on
/// AWS for DNS-compatible bucket names without dots, path-style
/// (`ENDPOINT/BUCKET/KEY`) for an endpoint override and for other names. Keys
/// are percent-encoded once, `/` kept, exactly as signed.
public struct S3Client: Sendable {
    /// The shared request layer, bound to S3.
    public let service: AWSServiceClient

    public init(configuration: AWSClientConfiguration) {
        service = AWSServiceClient(service: .s3, configuration: configuration)
    }

    /// The URL of `key` in `bucket` (the bucket itself when `key` is nil), with `query`.
    public func url(bucket: String, key: String? = nil, query: [(name: String, value: String)] = []) -> String {
        let path = key.map { "/" + URIEncoding.encode($0, keepingSlash: true) } ?? ""
        let queryString = query.isEmpty ? "" : "?" + URIEncoding.query(query)
        let region = service.configuration.region
        if !service.usesCustomEndpoint, Self.isVirtualHostable(bucket) {
            let host = "https://\(bucket).s3.\(region)\(AWSService.dnsSuffix(region: region))"
            return host + (path.isEmpty ? "/" : path) + queryString
        }
        return service.baseURL + "/" + URIEncoding.encode(bucket) + path + queryString
    }

    /// Lowercase letters, digits and hyphens, 3 to 63 characters, starting and ending
    /// with a letter or digit: usable as a host name label under TLS.
    static func isVirtualHostable(_ bucket: String) -> Bool {
        let allowed = bucket.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
        return allowed && (3...63).contains(bucket.utf8.count) && bucket.first != "-" && bucket.last != "-"
    }
}

extension S3Client: CustomStringConvertible {
    public var description: String { service.description }
}
