import HTTPKit

/// A request to AWS that got no reply at all (connection refused, timeout, TLS
/// failure), after every allowed attempt.
public struct AWSTransportError: Error, CustomStringConvertible {
    /// `EC2`, `S3`, `STS`.
    public var service: String
    /// The API operation, e.g. `RunInstances`.
    public var operation: String
    /// Attempts made, the first one included.
    public var attempts: Int
    /// The last attempt's failure; it names the host, never the query string.
    public var underlying: HTTPError

    public init(service: String, operation: String, attempts: Int, underlying: HTTPError) {
        self.service = service
        self.operation = operation
        self.attempts = attempts
        self.underlying = underlying
    }

    public var description: String {
        let tries = attempts > 1 ? " (after \(attempts) attempts)" : ""
        return "\(service) \(operation) got no reply\(tries): \(underlying)"
    }
}
