import COpenSSL

/// An OpenSSL operation that failed, with what clusterctl was doing and OpenSSL's own reason.
public struct OpenSSLError: Error, Sendable, CustomStringConvertible {
    /// What failed, e.g. `ed25519 key generation failed`.
    public var operation: String
    /// OpenSSL's error queue at the time, oldest first (`error:...:reason`); may be empty.
    public var reasons: [String]

    public var description: String {
        reasons.isEmpty ? "OpenSSL: \(operation)" : "OpenSSL: \(operation): \(reasons.joined(separator: "; "))"
    }

    /// An error for `operation` carrying, and clearing, this thread's OpenSSL error queue.
    static func drain(_ operation: String) -> OpenSSLError {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return OpenSSLError(operation: operation, reasons: reasons)
    }
}
