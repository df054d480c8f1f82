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
        guard classify(result) == .retry else {
            if case .success = result { quota?.recordSuccess(lastRetryCost: lastRetryCost) }
            return try finish(result, attempts: attempt, stopReason: .notRetryable)
        }
        guard attempt < policy.attemptLimit else {
            return try finish(result, attempts: attempt, stopReason: .attemptsExhausted)
        }
        if let quota {
            guard let cost = quota.acquire(after: result.failureValue) else {
                return try finish(result, attempts: attempt, stopReason: .quotaExhausted)
            }
            lastRetryCost = cost
        }
        attempt += 1
        sleep(policy.delay(beforeAttempt: attempt, random: random()))
    }
}

/// The last attempt's value, or its error wrapped with the attempt count.
private func finish<T>(_ result: Result<T, Error>, attempts: Int, stopReason: RetryError.StopReason) throws -> T {
    switch result {
    case .success(let value): return value
    case .failure(let error): throw RetryError(attempts: attempts, lastError: error, stopReason: stopReason)
    }
}

private extension Result {
    var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
