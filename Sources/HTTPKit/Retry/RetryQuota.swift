import Foundation

/// AWS standard mode's retry quota: one bucket of tokens shared by every operation against
/// a service. Each retry takes tokens (more after a timeout) and successes put them back,
/// so when a service is failing for everyone, retries stop instead of piling on. The token
/// count is read and written under its lock only.
public final class RetryQuota: @unchecked Sendable {
    /// Tokens the bucket holds when full (AWS: 500).
    public let capacity: Int
    /// Tokens a retry takes (AWS: 5).
    public let retryCost: Int
    /// Tokens a retry after a timeout takes (AWS: 10).
    public let timeoutRetryCost: Int
    private let lock = NSLock()
    private var tokens: Int

    public init(capacity: Int = 500, retryCost: Int = 5, timeoutRetryCost: Int = 10) {
        self.capacity = capacity
        self.retryCost = retryCost
        self.timeoutRetryCost = timeoutRetryCost
        tokens = capacity
    }

    /// Tokens left now.
    public var available: Int { lock.withLock { tokens } }

    /// Takes the tokens for one retry after `error` (nil for a retryable response), or
    /// returns nil and takes nothing when too few are left.
    func acquire(after error: Error?) -> Int? {
        let cost = Self.isTimeout(error) ? timeoutRetryCost : retryCost
        return lock.withLock {
            guard tokens >= cost else { return nil }
            tokens -= cost
            return cost
        }
    }

    /// Records a success: refunds the last retry's tokens, or adds one token when the
    /// first attempt succeeded.
    func recordSuccess(lastRetryCost: Int?) {
        lock.withLock { tokens = min(capacity, tokens + (lastRetryCost ?? 1)) }
    }

    private static func isTimeout(_ error: Error?) -> Bool {
        if case .transport(let failure)? = error as? HTTPError { return failure.kind == .timedOut }
        return false
    }
}
