import HTTPKit
import Testing

@Suite("RetryPolicy full-jitter backoff")
struct RetryPolicyTests {
    @Test("defaults follow AWS standard mode")
    func defaults() {
        let policy = RetryPolicy()
        #expect(policy.maxAttempts == 3)
        #expect(policy.baseDelay == 1)
        #expect(policy.maxBackoff == 20)
        #expect(RetryPolicy(maxAttempts: 0).attemptLimit == 1)
    }

    @Test("the first attempt has no delay")
    func firstAttempt() {
        #expect(RetryPolicy().delay(beforeAttempt: 1, random: 1) == 0)
    }

    @Test("the delay ceiling doubles per retry up to the cap")
    func ceilingGrows() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: 0.5, maxBackoff: 20)
        let ceilings = (2...10).map { policy.delay(beforeAttempt: $0, random: 1) }
        #expect(ceilings == [0.5, 1, 2, 4, 8, 16, 20, 20, 20])
        #expect(policy.delay(beforeAttempt: 5000, random: 1) == 20)
    }

    @Test("jittered delays stay within 0...ceiling", arguments: [0.0, 0.25, 0.5, 0.999, 1.0])
    func withinBounds(random: Double) {
        let policy = RetryPolicy(maxAttempts: 8, baseDelay: 0.1, maxBackoff: 2)
        for attempt in 2...8 {
            let ceiling = min(2, 0.1 * Double(1 << (attempt - 2)))
            let delay = policy.delay(beforeAttempt: attempt, random: random)
            #expect(delay >= 0 && delay <= ceiling)
            #expect(abs(delay - random * ceiling) < 1e-12)
        }
    }

    @Test("out-of-range random values are clamped")
    func clamped() {
        let policy = RetryPolicy(baseDelay: 1)
        #expect(policy.delay(beforeAttempt: 2, random: 7) == 1)
        #expect(policy.delay(beforeAttempt: 2, random: -3) == 0)
        #expect(policy.delay(beforeAttempt: 2, random: .nan) == 0)
    }

    @Test("retryable statuses: 429 and 5xx except 501 and 505")
    func statuses() {
        #expect([429, 500, 502, 503, 504].allSatisfy(RetryDecision.isRetryableStatus))
        #expect(![200, 301, 400, 403, 404, 412, 501, 505].contains(where: RetryDecision.isRetryableStatus))
    }
}
