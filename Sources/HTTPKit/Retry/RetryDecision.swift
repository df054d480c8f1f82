/// What to do with one attempt's outcome.
public enum RetryDecision: Sendable, Equatable {
    /// Try again, if attempts (and the retry quota) allow.
    case retry
    /// Stop here: return the value or throw the error of this attempt.
    case fail
}

/// An error that knows whether sending the same request again may succeed.
///
/// This is the hook for service-level classification: ``HTTPError`` conforms (transient
/// transport failures), and AWSKit's service errors conform by their error codes
/// (`RequestLimitExceeded`, `Throttling`, `SlowDown`, ... and 5xx), so
/// ``RetryDecision/forOutcome(_:)`` classifies both the same way.
public protocol RetryableError: Error {
    var isRetryable: Bool { get }
}

extension HTTPError: RetryableError {
    /// Transient transport failures (refused, reset, timeout, DNS, broken handshake).
    public var isRetryable: Bool { isTransient }
}

extension RetryDecision {
    /// Statuses worth retrying whatever the service: 429 (too many requests) and 5xx,
    /// except 501 (not implemented) and 505 (HTTP version not supported).
    public static func isRetryableStatus(_ status: Int) -> Bool {
        status == 429 || ((500...599).contains(status) && status != 501 && status != 505)
    }

    /// Retry errors that say they are retryable (``RetryableError``); stop on all others.
    public static func forError(_ error: Error) -> RetryDecision {
        (error as? RetryableError)?.isRetryable == true ? .retry : .fail
    }

    /// For operations that throw on failure: keep a value, retry a retryable error.
    public static func forOutcome<T>(_ result: Result<T, Error>) -> RetryDecision {
        switch result {
        case .success: return .fail
        case .failure(let error): return forError(error)
        }
    }

    /// For raw HTTP exchanges: retry transient transport errors and retryable statuses
    /// (429, 5xx); keep every other response, 4xx included.
    public static func forHTTPResponse(_ result: Result<HTTPResponse, Error>) -> RetryDecision {
        switch result {
        case .success(let response): return isRetryableStatus(response.status) ? .retry : .fail
        case .failure(let error): return forError(error)
        }
    }
}
