import Foundation
import HTTPKit
import Testing

/// Records the pauses `withRetries` asks for instead of sleeping.
private final class SleepRecorder {
    private(set) var delays: [Double] = []
    func sleep(_ seconds: Double) { delays.append(seconds) }
}

/// An error that says whether it is retryable, as AWSKit's service errors will.
private struct ServiceError: RetryableError, Equatable {
    var code: String
    var isRetryable: Bool { code == "Throttling" }
}

@Suite("withRetries")
struct WithRetriesTests {
    let fast = RetryPolicy(maxAttempts: 4, baseDelay: 0.001, maxBackoff: 0.01)

    @Test("a 503 is retried until it succeeds, against a real server")
    func retries503ThenSucceeds() throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let client = HTTPClient()
        let recorder = SleepRecorder()
        var attempts = 0
        let response = try withRetries(fast, sleep: recorder.sleep, classify: RetryDecision.forHTTPResponse) {
            attempts += 1
            return try client.send(HTTPRequest(url: "\(server.baseURL)/flaky?key=a&fail=2&code=503"))
        }
        #expect(response.status == 200)
        #expect(response.header("X-Attempt") == "3")
        #expect(attempts == 3)
        #expect(recorder.delays.count == 2)
    }

    @Test("a 400 is not retried")
    func noRetryOn400() throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let client = HTTPClient()
        var attempts = 0
        let response = try withRetries(fast, sleep: { _ in }, classify: RetryDecision.forHTTPResponse) {
            attempts += 1
            return try client.send(HTTPRequest(url: "\(server.baseURL)/flaky?key=b&fail=5&code=400"))
        }
        #expect(response.status == 400)
        #expect(attempts == 1)
    }

    @Test("attempts stop at maxAttempts and the last response is returned")
    func stopsAtMaxAttempts() throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let client = HTTPClient()
        let response = try client.send(HTTPRequest(url: "\(server.baseURL)/flaky?key=c&fail=10&code=503"),
                                       retrying: RetryPolicy(maxAttempts: 3, baseDelay: 0.001))
        #expect(response.status == 503)
        #expect(response.header("X-Attempt") == "3")
    }

    @Test("a thrown retryable error is retried, and the final failure reports the attempt count")
    func thrownErrorsReportAttempts() {
        var attempts = 0
        do {
            _ = try withRetries(fast, sleep: { _ in }, classify: RetryDecision.forOutcome) { () throws -> Int in
                attempts += 1
                throw ServiceError(code: "Throttling")
            }
            Issue.record("expected a failure")
        } catch let error as RetryError {
            #expect(error.attempts == 4)
            #expect(error.stopReason == .attemptsExhausted)
            #expect(error.lastError as? ServiceError == ServiceError(code: "Throttling"))
            #expect(error.description.contains("4 attempts"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(attempts == 4)
    }

    @Test("a non-retryable error stops at once")
    func nonRetryableError() {
        var attempts = 0
        #expect {
            _ = try withRetries(fast, sleep: { _ in }, classify: RetryDecision.forOutcome) { () throws -> Int in
                attempts += 1
                throw ServiceError(code: "InvalidParameterValue")
            }
        } throws: { error in
            (error as? RetryError)?.stopReason == .notRetryable && (error as? RetryError)?.attempts == 1
        }
        #expect(attempts == 1)
    }

    @Test("delays use the policy's full jitter and grow")
    func delaysGrow() throws {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: 0.1, maxBackoff: 20)
        let recorder = SleepRecorder()
        _ = try? withRetries(policy, sleep: recorder.sleep, random: { 1 }, classify: RetryDecision.forOutcome) { () throws -> Int in
            throw ServiceError(code: "Throttling")
        }
        #expect(recorder.delays.count == 4)
        for (got, want) in zip(recorder.delays, [0.1, 0.2, 0.4, 0.8]) {
            #expect(abs(got - want) < 1e-9)
        }
    }

    @Test("an empty retry quota stops retries; successes refill it")
    func quota() {
        let quota = RetryQuota(capacity: 10, retryCost: 5, timeoutRetryCost: 10)
        var attempts = 0
        #expect {
            _ = try withRetries(fast, quota: quota, sleep: { _ in }, classify: RetryDecision.forOutcome) { () throws -> Int in
                attempts += 1
                throw ServiceError(code: "Throttling")
            }
        } throws: { error in
            (error as? RetryError)?.stopReason == .quotaExhausted
        }
        #expect(attempts == 3)
        #expect(quota.available == 0)

        var calls = 0
        let value = try? withRetries(fast, quota: quota, sleep: { _ in }, classify: RetryDecision.forOutcome) { () throws -> Int in
            calls += 1
            return 42
        }
        #expect(value == 42)
        #expect(quota.available == 1)
    }
}
