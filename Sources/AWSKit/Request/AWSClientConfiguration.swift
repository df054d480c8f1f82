import Foundation
import HTTPKit

/// What every AWS client needs: region, credentials, an optional endpoint
/// override, the HTTP client and the retry rules.
///
/// Printing or dumping it shows the region and endpoint only, never credentials.
public struct AWSClientConfiguration: Sendable {
    /// The region requests are signed for and sent to, e.g. `eu-west-1`.
    public var region: String
    /// Asked for credentials before every attempt, so temporary ones are refreshed.
    public var credentials: any CredentialProvider
    /// An AWS-compatible endpoint to use instead of AWS (`http://127.0.0.1:5000`),
    /// without a trailing `/`. S3 then uses path-style addressing.
    public var endpoint: String?
    /// Attempts and backoff (AWS standard mode by default: 3 attempts, full jitter).
    public var retryPolicy: RetryPolicy
    /// The retry token bucket shared by the clients of one command; nil for no quota.
    public var retryQuota: RetryQuota?
    /// The libcurl client that sends every request.
    public var http: HTTPClient
    /// Sleeps between attempts; replaced by tests to observe the backoff.
    var backoffSleep: @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }
    /// The jitter source in 0...1; replaced by tests to make the backoff exact.
    var backoffRandom: @Sendable () -> Double = { Double.random(in: 0...1) }

    public init(region: String, credentials: any CredentialProvider, endpoint: String? = nil,
                retryPolicy: RetryPolicy = .standard, retryQuota: RetryQuota? = RetryQuota(),
                http: HTTPClient = HTTPClient()) {
        self.region = region
        self.credentials = credentials
        self.endpoint = endpoint.map { value in
            var trimmed = value
            while trimmed.hasSuffix("/") { trimmed.removeLast() }
            return trimmed
        }
        self.retryPolicy = retryPolicy
        self.retryQuota = retryQuota
        self.http = http
    }
}

extension AWSClientConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `AWSClientConfiguration(region: eu-west-1, endpoint: AWS)`: no credentials.
    public var description: String {
        "AWSClientConfiguration(region: \(region), endpoint: \(endpoint ?? "AWS"), "
            + "maxAttempts: \(retryPolicy.attemptLimit))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["region": region, "endpoint": endpoint ?? "AWS",
                                "maxAttempts": retryPolicy.attemptLimit], displayStyle: .struct)
    }
}
