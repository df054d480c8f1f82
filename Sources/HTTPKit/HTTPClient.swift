/// The one HTTP client of clusterctl, on libcurl.
///
/// - Thread-safe: `send` may be called from many threads at once. Each call borrows an
///   idle libcurl handle (or makes one) and returns it afterwards, so connections opened by
///   earlier requests are reused.
/// - TLS certificates and host names are always verified.
/// - Proxy environment variables are honoured (see ``HTTPClientConfiguration``).
/// - Redirects are not followed: a 3xx is returned like any other response.
/// - No retries here: wrap calls in ``withRetries(_:sleep:random:classify:_:)``.
///
/// Shared between threads safely: its configuration is immutable and each call works on an
/// easy handle borrowed from the pool (which has its own lock) and owned by that call alone.
public final class HTTPClient: @unchecked Sendable {
    public let configuration: HTTPClientConfiguration
    private let pool: CurlHandlePool

    public init(configuration: HTTPClientConfiguration = .init()) {
        self.configuration = configuration
        pool = CurlHandlePool(maxIdle: configuration.maxIdleHandles)
    }

    /// Sends `request` once, with no retry, and returns the final response whatever its
    /// status. Throws ``HTTPError`` when no response arrives.
    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        let handle = try pool.checkOut()
        defer { pool.checkIn(handle) }
        return try handle.perform(request, configuration: configuration)
    }

    /// Sends `request` with retries: transient transport errors and 429/5xx responses are
    /// retried under `policy`; the last response is returned whatever its status, and the
    /// last transport error is thrown as ``RetryError``. The same bytes are sent each time,
    /// so signed requests must still be valid when retried.
    public func send(_ request: HTTPRequest, retrying policy: RetryPolicy, quota: RetryQuota? = nil) throws -> HTTPResponse {
        try withRetries(policy, quota: quota, classify: RetryDecision.forHTTPResponse) { try send(request) }
    }
}
