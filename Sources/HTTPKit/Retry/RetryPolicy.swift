/// How often and how patiently to retry, as in AWS SDKs' "standard" mode: a bounded
/// number of attempts, exponential backoff with full jitter, capped.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first one included; values below 1 count as 1.
    public var maxAttempts: Int
    /// Seconds: the ceiling of the first retry's delay, doubled for each retry after it.
    /// AWS's standard mode uses 1 s; tests shrink it.
    public var baseDelay: Double
    /// Seconds: no delay ever exceeds this (AWS: 20 s).
    public var maxBackoff: Double

    public init(maxAttempts: Int = 3, baseDelay: Double = 1, maxBackoff: Double = 20) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxBackoff = maxBackoff
    }

    /// AWS standard mode: 3 attempts, 1 s base, 20 s cap.
    public static let standard = RetryPolicy()

    /// ``maxAttempts``, at least 1.
    public var attemptLimit: Int { max(1, maxAttempts) }

    /// The pause before attempt `n` (2 for the first retry), with full jitter:
    /// `random * min(maxBackoff, baseDelay * 2^(n-2))`, where `random` is uniform in 0...1
    /// (clamped). Attempt 1 has no delay. Pure: the same inputs give the same delay.
    public func delay(beforeAttempt n: Int, random: Double) -> Double {
        guard n > 1 else { return 0 }
        let ceiling = min(maxBackoff, baseDelay * Double.pow2(n - 2))
        let jitter = random.isNaN ? 0 : min(1, max(0, random))
        return max(0, jitter * ceiling)
    }
}

private extension Double {
    /// 2^exponent, infinite for huge exponents (then capped by the caller).
    static func pow2(_ exponent: Int) -> Double {
        exponent >= 1024 ? .infinity : Double(sign: .plus, exponent: exponent, significand: 1)
    }
}
