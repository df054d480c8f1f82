/// Settings shared by every request an ``HTTPClient`` sends.
///
/// TLS peer and host verification are always on and cannot be turned off; only the
/// trusted CA bundle can be changed. Proxies come from the environment, read by libcurl
/// for each request: `https_proxy`/`HTTPS_PROXY` for https URLs, `http_proxy` (lower
/// case only) for http URLs, `all_proxy`/`ALL_PROXY` for both, and `no_proxy`/`NO_PROXY`
/// (comma-separated hosts, domains or `*`) to bypass them.
public struct HTTPClientConfiguration: Sendable {
    /// Seconds allowed to establish a connection (TCP, TLS and any proxy tunnel).
    public var connectTimeout: Double
    /// Seconds allowed for a whole request, connection included.
    /// ``HTTPRequest/timeout`` overrides it per request.
    public var timeout: Double
    /// A PEM file of CA certificates to trust instead of the system bundle, for servers
    /// and for HTTPS proxies; `nil` keeps libcurl's system default.
    public var caBundlePath: String?
    /// The `User-Agent` header sent unless a request sets its own.
    public var userAgent: String
    /// How many idle libcurl handles (each with its open connections) are kept for reuse.
    public var maxIdleHandles: Int

    public init(connectTimeout: Double = 10, timeout: Double = 60, caBundlePath: String? = nil,
                userAgent: String = "clusterctl", maxIdleHandles: Int = 4) {
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.caBundlePath = caBundlePath
        self.userAgent = userAgent
        self.maxIdleHandles = maxIdleHandles
    }
}
