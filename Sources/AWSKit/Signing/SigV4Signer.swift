import Foundation
import HTTPKit
import OpenSSLKit

/// AWS Signature Version 4: a pure function from a request, credentials,
/// region, service and time to the signed request. No clock, no network.
///
/// ```swift
/// let signer = SigV4Signer(credentials: creds, region: "eu-west-1", service: "ec2")
/// let signed = try signer.sign(request)              // Authorization header
/// let link = try signer.presign(get, expiresIn: 3600) // signature in the URL
/// ```
///
/// The request URL must be what goes on the wire: build paths and query
/// values with `URIEncoding.encode`. For every service but S3 the path is
/// normalised and each segment encoded again (so `%20` is signed as `%2520`,
/// as AWS does); for S3 it is signed as written, encoded once
/// (see `SigningOptions`).
public struct SigV4Signer: Sendable {
    /// The algorithm name in the string to sign and the `Authorization` header.
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// The longest a presigned URL may live: seven days, in seconds.
    public static let maximumExpiry = 604_800
    /// The payload line used with `PayloadSigning.unsigned`.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    public var credentials: AWSCredentials
    /// The region in the credential scope, e.g. `us-east-1`.
    public var region: String
    /// The signing name of the service, e.g. `ec2`, `s3`, `sts`.
    public var service: String
    public var options: SigningOptions

    /// A signer; `options` defaults to `SigningOptions.defaults(forService: service)`.
    public init(credentials: AWSCredentials, region: String, service: String, options: SigningOptions? = nil) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.options = options ?? .defaults(forService: service)
    }

    /// `request` with `Host`, `X-Amz-Date`, `X-Amz-Security-Token` (with a
    /// session token), `x-amz-content-sha256` (S3) and `Authorization` set.
    /// Signing an already signed request replaces the old signature.
    public func sign(_ request: HTTPRequest, date: Date = Date()) throws -> HTTPRequest {
        try signingSteps(for: request, date: date).signedRequest
    }

    /// A URL that performs `request` without further credentials for
    /// `expiresIn` seconds (1 to 604800). The caller must send the request's
    /// own headers with it, since they are signed.
    public func presign(_ request: HTTPRequest, expiresIn: Int, date: Date = Date()) throws -> HTTPRequest {
        try presigningSteps(for: request, expiresIn: expiresIn, date: date).signedRequest
    }

    /// Header signing, with every intermediate value.
    public func signingSteps(for request: HTTPRequest, date: Date) throws -> SigningSteps {
        let url = try parse(request.url)
        let timestamp = AmzDate(date)
        var headers = request.headers.filter { !Self.replacedHeaders.contains($0.name.lowercased()) }
        if !headers.contains(where: { $0.name.lowercased() == "host" }) {
            headers.append(HTTPHeader("Host", url.hostHeader))
        }
        headers.append(HTTPHeader("X-Amz-Date", timestamp.full))
        let payloadHash = self.payloadHash(of: request, mode: options.payload)
        if options.addsContentSHA256Header, header("x-amz-content-sha256", in: headers) == nil {
            headers.append(HTTPHeader("x-amz-content-sha256", payloadHash))
        }
        if let token = credentials.sessionToken {
            headers.append(HTTPHeader("X-Amz-Security-Token", token))
        }

        let steps = computeSteps(method: request.method, url: url, query: url.query,
                                 headers: headers, payloadHash: payloadHash, timestamp: timestamp)
        var signed = request
        signed.headers = headers + [HTTPHeader("Authorization", "\(Self.algorithm) "
            + "Credential=\(credentials.accessKeyId)/\(steps.scope), "
            + "SignedHeaders=\(steps.signedHeaders), Signature=\(steps.signature)")]
        return steps.result(signedRequest: signed, payloadHash: payloadHash)
    }

    /// Query signing (presigned URL), with every intermediate value.
    public func presigningSteps(for request: HTTPRequest, expiresIn: Int, date: Date) throws -> SigningSteps {
        guard (1...Self.maximumExpiry).contains(expiresIn) else { throw SigV4Error.expiryOutOfRange(expiresIn) }
        let url = try parse(request.url)
        let timestamp = AmzDate(date)
        var headers = request.headers.filter { !Self.replacedHeaders.contains($0.name.lowercased()) }
        if !headers.contains(where: { $0.name.lowercased() == "host" }) {
            headers.append(HTTPHeader("Host", url.hostHeader))
        }
        let signedHeaders = signedHeaderNames(headers)
        var added = [
            ("X-Amz-Algorithm", Self.algorithm),
            ("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope(timestamp))"),
            ("X-Amz-Date", timestamp.full),
            ("X-Amz-Expires", String(expiresIn)),
        ]
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        added.append(("X-Amz-SignedHeaders", signedHeaders))
        let addedQuery = added.map { "\($0.0)=\(URIEncoding.encode($0.1))" }.joined(separator: "&")
        let query = url.query.isEmpty ? addedQuery : url.query + "&" + addedQuery

        let payloadHash = self.payloadHash(of: request, mode: options.presignedPayload)
        let steps = computeSteps(method: request.method, url: url, query: query,
                                 headers: headers, payloadHash: payloadHash, timestamp: timestamp)
        var signed = request
        signed.url = url.replacingQuery(with: query + "&X-Amz-Signature=\(steps.signature)")
        return steps.result(signedRequest: signed, payloadHash: payloadHash)
    }

    // MARK: - The algorithm

    /// Headers the signer sets itself, so any old value is dropped first.
    private static let replacedHeaders: Set<String> = ["authorization", "x-amz-date", "x-amz-security-token"]
    /// Headers that proxies and HTTP stacks add, drop or rewrite; never signed.
    private static let unsignedHeaders: Set<String> = [
        "authorization", "connection", "expect", "transfer-encoding", "user-agent", "x-amzn-trace-id",
    ]

    private struct Computed {
        var canonicalRequest, stringToSign, signature, scope, signedHeaders: String

        func result(signedRequest: HTTPRequest, payloadHash: String) -> SigningSteps {
            SigningSteps(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
                         credentialScope: scope, signedHeaders: signedHeaders, payloadHash: payloadHash,
                         signedRequest: signedRequest)
        }
    }

    private func computeSteps(method: String, url: RequestURL, query: String,
                              headers: [HTTPHeader], payloadHash: String, timestamp: AmzDate) -> Computed {
        let canonicalHeaders = Canonicalization.headers(signable(headers))
        let signedHeaders = canonicalHeaders.map(\.name).joined(separator: ";")
        let canonicalRequest = [
            method,
            Canonicalization.uri(path: url.path, normalizing: options.normalizesPath,
                                 encodingTwice: options.encodesPathTwice),
            Canonicalization.query(query),
            canonicalHeaders.map { "\($0.name):\($0.value)\n" }.joined(),
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
        let scope = scope(timestamp)
        let stringToSign = [Self.algorithm, timestamp.full, scope, Crypto.sha256Hex(canonicalRequest)]
            .joined(separator: "\n")
        let signature = Crypto.hex(Crypto.hmacSHA256(key: signingKey(day: timestamp.day), message: stringToSign))
        return Computed(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
                        scope: scope, signedHeaders: signedHeaders)
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request").
    private func signingKey(day: String) -> [UInt8] {
        let dayKey = Crypto.hmacSHA256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), message: day)
        let regionKey = Crypto.hmacSHA256(key: dayKey, message: region)
        let serviceKey = Crypto.hmacSHA256(key: regionKey, message: service)
        return Crypto.hmacSHA256(key: serviceKey, message: "aws4_request")
    }

    private func scope(_ timestamp: AmzDate) -> String {
        "\(timestamp.day)/\(region)/\(service)/aws4_request"
    }

    private func signable(_ headers: [HTTPHeader]) -> [(name: String, value: String)] {
        headers.filter { !Self.unsignedHeaders.contains($0.name.lowercased()) }.map { ($0.name, $0.value) }
    }

    private func signedHeaderNames(_ headers: [HTTPHeader]) -> String {
        Canonicalization.headers(signable(headers)).map(\.name).joined(separator: ";")
    }

    /// An `x-amz-content-sha256` header already on the request wins (it lets a
    /// caller sign a precomputed hash); otherwise `mode` decides.
    private func payloadHash(of request: HTTPRequest, mode: PayloadSigning) -> String {
        if let given = header("x-amz-content-sha256", in: request.headers) { return given }
        switch mode {
        case .signed: return Crypto.sha256Hex(request.body)
        case .unsigned: return Self.unsignedPayload
        }
    }

    private func header(_ name: String, in headers: [HTTPHeader]) -> String? {
        headers.first { $0.name.lowercased() == name }?.value
    }

    private func parse(_ url: String) throws -> RequestURL {
        guard let parsed = RequestURL(url) else { throw SigV4Error.invalidURL(url) }
        return parsed
    }
}

/// Why a request could not be signed.
public enum SigV4Error: Error, Equatable, CustomStringConvertible {
    /// The request URL has no `scheme://host`.
    case invalidURL(String)
    /// A presigned URL must expire after 1 to 604800 seconds (seven days).
    case expiryOutOfRange(Int)

    public var description: String {
        switch self {
        case .invalidURL(let url):
            return "cannot sign a request to '\(url)': the URL needs a scheme and a host (https://host/path)"
        case .expiryOutOfRange(let seconds):
            return "a presigned URL cannot expire after \(seconds) seconds: use 1 to \(SigV4Signer.maximumExpiry) (seven days)"
        }
    }
}
