/// The final failure of an operation run by ``withRetries(_:quota:sleep:random:classify:_:)``:
/// the last attempt's error and how many attempts were made.
public struct RetryError: Error, CustomStringConvertible {
    /// Why no further attempt was made.
    public enum StopReason: Sendable, Equatable {
        /// The classifier said the failure is not worth retrying (e.g. a 400).
        case notRetryable
        /// Every allowed attempt failed with a retryable error.
        case attemptsExhausted
        /// The shared ``RetryQuota`` had no tokens left for another retry.
        case quotaExhausted
    }

    /// Attempts made, the first one included.
    public var attempts: Int
    /// The error of the last attempt.
    public var lastError: Error
    public var stopReason: StopReason

    public init(attempts: Int, lastError: Error, stopReason: StopReason) {
        self.attempts = attempts
        self.lastError = lastError
        self.stopReason = stopReason
    }

    public var description: String {
        switch stopReason {
        case .notRetryable where attempts == 1:
            return "\(lastError)"
        case .notRetryable:
            return "\(lastError) (attempt \(attempts), not retryable)"
        case .attemptsExhausted:
            return "\(lastError) (still failing after \(attempts) attempts; try again later)"
        case .quotaExhausted:
            return "\(lastError) (gave up after \(attempts) attempts: too many recent failures, retries paused; try again later)"
        }
    }
}
