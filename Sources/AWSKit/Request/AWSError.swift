import HTTPKit

/// A request AWS (or an AWS-compatible endpoint) answered with an error.
///
/// `description` names the service, operation, code, HTTP status, message and
/// request id, says what to do, and never contains a secret: the message is
/// redacted with the credentials that signed the request.
public struct AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `EC2`, `S3`, `STS`.
    public var service: String
    /// The API operation, e.g. `DescribeInstances` or `PutObject`.
    public var operation: String
    /// The HTTP status of the reply, e.g. 400 or 503.
    public var status: Int
    /// AWS's error code, e.g. `InvalidParameterValue`, `SignatureDoesNotMatch`;
    /// derived from the status when the reply has no body (S3 `HEAD`).
    public var code: String
    /// AWS's message, possibly empty.
    public var message: String
    /// The request id AWS assigned, for support cases.
    public var requestId: String?
    /// Attempts made, the first one included.
    public var attempts: Int

    public init(service: String, operation: String, status: Int, code: String, message: String,
                requestId: String? = nil, attempts: Int = 1) {
        self.service = service
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        self.requestId = requestId
        self.attempts = attempts
    }

    /// True for codes that mean "slow down" (`RequestLimitExceeded`, `Throttling`, `SlowDown`, ...).
    public var isThrottling: Bool { AWSErrorCodes.throttling.contains(code) }

    public var description: String {
        var text = "\(service) \(operation) failed: \(code) (HTTP \(status))"
        if !message.isEmpty { text += ": \(message)" }
        if let requestId { text += " [request id \(requestId)]" }
        if attempts > 1 { text += " after \(attempts) attempts" }
        if let advice = AWSErrorCodes.advice(code: code, status: status) { text += "; \(advice)" }
        return text
    }
}

extension AWSError: RetryableError {
    /// Throttling and transient codes, 429 and 5xx (but 501 and 505) are retried;
    /// every other 4xx, such as `InvalidParameterValue`, is not.
    public var isRetryable: Bool {
        isThrottling || AWSErrorCodes.transient.contains(code) || RetryDecision.isRetryableStatus(status)
    }
}
