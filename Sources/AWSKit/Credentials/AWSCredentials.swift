import Foundation

/// An AWS access key pair, an optional session token, and where they came from.
///
/// Printing, debug-printing, `dump` and string interpolation never show the
/// secret key or the session token, and show the access key id masked
/// (`AKIA************MPLE`). The type is deliberately not `Codable`: secrets
/// are never written to cluster state.
public struct AWSCredentials: Sendable, Equatable {
    /// The access key id, e.g. `AKIAIOSFODNN7EXAMPLE`. Not secret, but shown masked.
    public var accessKeyId: String
    /// The secret access key. Never print it.
    public var secretAccessKey: String
    /// The session token of temporary credentials. Never print it.
    public var sessionToken: String?
    /// When temporary credentials stop working; nil for long-term keys.
    public var expiration: Date?
    /// Where these credentials were found.
    public var source: CredentialSource

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil,
                expiration: Date? = nil, source: CredentialSource = .explicit) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken.flatMap { $0.isEmpty ? nil : $0 }
        self.expiration = expiration
        self.source = source
    }

    /// The access key id with all but its first and last four characters
    /// replaced by `*` (entirely starred when it is 8 characters or shorter).
    public var maskedAccessKeyId: String {
        let characters = Array(accessKeyId)
        guard characters.count > 8 else { return String(repeating: "*", count: characters.count) }
        return String(characters.prefix(4)) + String(repeating: "*", count: characters.count - 8)
            + String(characters.suffix(4))
    }

    /// True when the credentials expire before `date` plus `margin` seconds.
    public func expires(before date: Date, margin: TimeInterval = 0) -> Bool {
        guard let expiration else { return false }
        return expiration <= date.addingTimeInterval(margin)
    }

    /// `text` with the secret key and session token replaced by `<redacted>`
    /// and the access key id replaced by its masked form. Use it on anything
    /// that may echo a request (debug output, error bodies, logs).
    public func redact(_ text: String) -> String {
        var result = text
        for secret in [secretAccessKey, sessionToken ?? ""] where !secret.isEmpty {
            result = result.replacingOccurrences(of: secret, with: "<redacted>")
            // Query strings and form bodies carry secrets percent-encoded.
            let encoded = URIEncoding.encode(secret)
            if encoded != secret { result = result.replacingOccurrences(of: encoded, with: "<redacted>") }
        }
        if !accessKeyId.isEmpty {
            result = result.replacingOccurrences(of: accessKeyId, with: maskedAccessKeyId)
        }
        return result
    }
}

extension AWSCredentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `AWSCredentials(accessKeyId: AKIA************MPLE, source: environment, ...)`; no secrets.
    public var description: String {
        var parts = ["accessKeyId: \(maskedAccessKeyId)", "secretAccessKey: <redacted>"]
        if sessionToken != nil { parts.append("sessionToken: <redacted>") }
        if let expiration { parts.append("expiration: \(ISO8601DateFormatter().string(from: expiration))") }
        parts.append("source: \(source)")
        return "AWSCredentials(\(parts.joined(separator: ", ")))"
    }

    public var debugDescription: String { description }

    /// What `dump` and `Mirror` show: the same masked fields as `description`.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "accessKeyId": maskedAccessKeyId,
            "secretAccessKey": "<redacted>",
            "sessionToken": sessionToken == nil ? "nil" : "<redacted>",
            "expiration": expiration as Any,
            "source": source,
        ], displayStyle: .struct)
    }
}
