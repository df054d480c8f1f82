import Foundation

/// Runs `body` until it succeeds or `classify` says stop, at most `policy.maxAttempts`
/// times, sleeping a full-jitter backoff between attempts.
///
/// - `classify` sees every attempt's outcome: ``RetryDecision/retry`` tries again while
///   attempts (and `quota`, when given) allow; ``RetryDecision/fail`` stops. Use
///   ``RetryDecision/forOutcome(_:)`` or ``RetryDecision/forHTTPResponse(_:)``, or your own.
/// - Returns the value of the last attempt, even one classified `.retry` when no attempt
///   is left (for example a 503 response): make `body` throw for outcomes that must fail.
/// - Throws ``RetryError`` carrying the last error and the attempt count when the last
///   attempt threw.
/// - `sleep` and `random` are injectable for tests; `random` must return values in 0...1.
public func withRetries<T>(
    _ policy: RetryPolicy,
    quota: RetryQuota? = nil,
    sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) },
    random: () -> Double = { Double.random(in: 0...1) },
    classify: (Result<T, Error>) -> RetryDecision,
    _ body: () throws -> T
) throws -> T {
    var attempt = 1
    var lastRetryCost: Int?
    while true {
        let result = Result { try body() }
        var stopReason = RetryError.StopReason.notRetryable
        if classify(result) == .retry {
            stopReason = .attemptsExhausted
            if attempt < policy.attemptLimit {
                if let quota {
                    lastRetryCost = quota.acquire(after: result.failureValue)
                    if lastRetryCost == nil { stopReason = .quotaExhausted }
                }
                if stopReason != .quotaExhausted {
                    attempt += 1
                    sleep(policy.delay(beforeAttempt: attempt, random: random()))
                    continue
                }
            }
        }
        switch result {
        case .success(let value):
            if stopReason == .notRetryable { quota?.recordSuccess(lastRetryCost: lastRetryCost) }
            return value
        case .failure(let error):
            throw RetryError(attempts: attempt, lastError: error, stopReason: stopReason)
        }
    }
}

private extension Result {
    var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
