/// A setting's value and where it was found (for `clusterctl aws check`).
public struct ResolvedSetting: Sendable, Equatable, CustomStringConvertible {
    /// The value, e.g. `eu-west-1`.
    public let value: String
    /// Where it came from, e.g. `AWS_REGION` or `~/.aws/config (profile dev)`.
    public let source: String

    public init(value: String, source: String) {
        self.value = value
        self.source = source
    }

    /// `value (from source)`.
    public var description: String { "\(value) (from \(source))" }
}
