/// One HTTP header field, as sent or as received.
///
/// Names keep the spelling they were given; compare them case-insensitively
/// (``HTTPResponse/header(_:)`` does).
public struct HTTPHeader: Sendable, Equatable {
    /// The field name, e.g. `Content-Type`.
    public var name: String
    /// The field value, without surrounding whitespace.
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
