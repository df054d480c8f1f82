/// What goes into the payload line of the canonical request.
public enum PayloadSigning: Sendable, Equatable {
    /// The SHA-256 of the body, in hexadecimal.
    case signed
    /// The literal `UNSIGNED-PAYLOAD` (S3 only; TLS protects the body).
    case unsigned
}

/// The service-specific choices of SigV4. `SigningOptions.defaults(forService:)`
/// picks the right ones; set fields only to reproduce a special case.
public struct SigningOptions: Sendable, Equatable {
    /// Remove `.`, `..` and empty path segments before signing. True for every
    /// service but S3, whose object keys may contain them.
    public var normalizesPath: Bool
    /// Encode each path segment as written, so an already percent-encoded
    /// path is encoded twice. True for every service but S3, which signs the
    /// path encoded once.
    public var encodesPathTwice: Bool
    /// Payload line for header signing.
    public var payload: PayloadSigning
    /// Payload line for presigned URLs.
    public var presignedPayload: PayloadSigning
    /// Add and sign `x-amz-content-sha256` (S3 requires it on every request).
    public var addsContentSHA256Header: Bool

    public init(normalizesPath: Bool = true, encodesPathTwice: Bool = true,
                payload: PayloadSigning = .signed, presignedPayload: PayloadSigning = .signed,
                addsContentSHA256Header: Bool = false) {
        self.normalizesPath = normalizesPath
        self.encodesPathTwice = encodesPathTwice
        self.payload = payload
        self.presignedPayload = presignedPayload
        self.addsContentSHA256Header = addsContentSHA256Header
    }

    /// Every service but S3: normalised, double-encoded path, signed payload.
    public static let standard = SigningOptions()

    /// S3: the path as written, encoded once; `x-amz-content-sha256` on every
    /// request; presigned URLs carry `UNSIGNED-PAYLOAD`.
    public static let s3 = SigningOptions(normalizesPath: false, encodesPathTwice: false,
                                          payload: .signed, presignedPayload: .unsigned,
                                          addsContentSHA256Header: true)

    /// `.s3` for the `s3` service, `.standard` for every other.
    public static func defaults(forService service: String) -> SigningOptions {
        service.lowercased() == "s3" ? .s3 : .standard
    }
}
