import Foundation

/// The final response to one ``HTTPRequest``: any status, 2xx or not.
///
/// Interim responses (`100 Continue`, a proxy's `CONNECT` answer) are not included.
public struct HTTPResponse: Sendable {
    /// The status code, e.g. 200 or 503.
    public var status: Int
    /// The response headers in the order received.
    public var headers: [HTTPHeader]
    /// The response body as received (empty for `HEAD`).
    public var body: Data

    public init(status: Int, headers: [HTTPHeader] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the first header named `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body decoded as UTF-8; invalid bytes become U+FFFD.
    public var text: String {
        String(decoding: body, as: UTF8.self)
    }

    /// True for 2xx statuses.
    public var isSuccess: Bool {
        (200..<300).contains(status)
    }
}
