import Foundation

/// Parses the timestamps AWS replies carry.
enum AWSTimestamp {
    /// ISO 8601 with or without fractional seconds (`2024-05-01T12:00:00.000Z`, EC2 and
    /// S3 XML) or RFC 1123 (`Wed, 01 May 2024 12:00:00 GMT`, S3 `Last-Modified`); nil otherwise.
    static func parse(_ text: String?) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) ?? ISO8601DateFormatter().date(from: text) { return date }
        let http = DateFormatter()
        http.locale = Locale(identifier: "en_US_POSIX")
        http.timeZone = TimeZone(identifier: "GMT")
        http.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return http.date(from: text)
    }
}
