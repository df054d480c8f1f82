import Foundation

/// One HTTP request, sent by ``HTTPClient/send(_:)`` exactly as described.
///
/// The URL reaches libcurl byte for byte: it is neither re-encoded nor normalised
/// (`/../` stays as written), so SigV4 canonical paths and S3 keys survive. It must
/// already be percent-encoded where HTTP requires it.
///
/// Only the headers given here are added to libcurl's own (`Host`, `Content-Length`,
/// `Accept`, `User-Agent`). libcurl's default `Content-Type` for bodies and its
/// `Expect: 100-continue` are never sent.
public struct HTTPRequest: Sendable {
    /// The method token: `GET`, `POST`, `PUT`, `HEAD`, `DELETE`, or any other token.
    public var method: String
    /// The absolute `http://` or `https://` URL.
    public var url: String
    /// Extra headers, sent in this order. An empty value sends the header with no value.
    public var headers: [HTTPHeader]
    /// The body, sent exactly (binary safe). For `POST` and `PUT` an empty body is sent
    /// as `Content-Length: 0`; for other methods an empty body means no body at all.
    /// Ignored for `HEAD`.
    public var body: Data
    /// Total time allowed for this request in seconds, replacing
    /// ``HTTPClientConfiguration/timeout`` when set.
    public var timeout: Double?

    public init(method: String = "GET", url: String, headers: [HTTPHeader] = [], body: Data = Data(),
                timeout: Double? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}
