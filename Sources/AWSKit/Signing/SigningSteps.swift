import HTTPKit

/// Every intermediate value of one SigV4 signature, so each step can be
/// checked against AWS's published vectors and shown when debugging a
/// `SignatureDoesNotMatch` (none of these values is secret).
public struct SigningSteps: Sendable {
    /// The canonical request: method, URI, query, headers, signed header names, payload hash.
    public var canonicalRequest: String
    /// `AWS4-HMAC-SHA256`, the timestamp, the credential scope and the canonical request's hash.
    public var stringToSign: String
    /// The hex HMAC of the string to sign under the derived signing key.
    public var signature: String
    /// `yyyyMMdd/region/service/aws4_request`.
    public var credentialScope: String
    /// Semicolon-separated lowercase names of the signed headers.
    public var signedHeaders: String
    /// The payload line of the canonical request.
    public var payloadHash: String
    /// The request as it must be sent: with `Authorization` and `X-Amz-*`
    /// headers (header signing) or with the signature in its URL (presigning).
    public var signedRequest: HTTPRequest
}
