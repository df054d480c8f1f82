/// Why an ``HTTPClient`` returned no response.
///
/// A response with any status, 4xx and 5xx included, is not an error here: the caller
/// reads ``HTTPResponse/status``. Descriptions name the host but never the URL's
/// query string, which may carry a presigned signature.
public enum HTTPError: Error, CustomStringConvertible, Sendable {
    /// The request was sent (or tried) but no complete response came back.
    case transport(TransportFailure)
    /// The request was not sent because it is malformed; `reason` says what to fix.
    case invalidRequest(reason: String)
    /// libcurl itself could not be set up (global initialisation or a handle failed).
    case clientSetup(reason: String)

    /// True when sending the same request again may succeed.
    public var isTransient: Bool {
        if case .transport(let failure) = self { return failure.isTransient }
        return false
    }

    public var description: String {
        switch self {
        case .transport(let failure): return failure.description
        case .invalidRequest(let reason): return "invalid HTTP request: \(reason)"
        case .clientSetup(let reason): return "cannot set up the HTTP client (libcurl): \(reason)"
        }
    }
}

/// A transport failure: what went wrong, where, and whether a retry may help.
public struct TransportFailure: Sendable, Equatable, CustomStringConvertible {
    /// The broad class of failure.
    public enum Kind: String, Sendable {
        /// Nothing accepted the connection (refused, unreachable).
        case cannotConnect = "cannot connect"
        /// The host (or proxy) name did not resolve.
        case nameResolution = "cannot resolve host"
        /// The connect or total timeout expired.
        case timedOut = "timed out"
        /// The TLS handshake or certificate verification failed.
        case tls = "TLS failure"
        /// The connection broke or closed before a complete response.
        case connectionLost = "connection lost"
        /// Anything else libcurl reported.
        case other = "transfer failed"
    }

    public var kind: Kind
    /// Host and port as written in the URL (no user info, path or query).
    public var host: String
    /// libcurl's `CURLcode`.
    public var curlCode: Int
    /// libcurl's message, with any query string removed.
    public var message: String
    /// True when sending the same request again may succeed.
    public var isTransient: Bool

    public init(kind: Kind, host: String, curlCode: Int, message: String, isTransient: Bool) {
        self.kind = kind
        self.host = host
        self.curlCode = curlCode
        self.message = message
        self.isTransient = isTransient
    }

    public var description: String {
        "HTTP request to \(host) failed, \(kind.rawValue): \(message) (curl error \(curlCode)); \(advice)"
    }

    private var advice: String {
        switch kind {
        case .cannotConnect: return "check that the server is running and the address and port are right"
        case .nameResolution: return "check the host name, DNS and any proxy settings"
        case .timedOut: return "check that the server is reachable and answering, or allow a longer timeout"
        case .tls: return isTransient
            ? "the TLS handshake broke off; retrying may help"
            : "check the server's certificate and the CA bundle (verification cannot be turned off)"
        case .connectionLost: return "the connection broke; retrying may help"
        case .other: return isTransient ? "retrying may help" : "see libcurl's message"
        }
    }
}
