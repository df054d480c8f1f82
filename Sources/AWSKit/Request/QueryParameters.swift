/// The parameters of a Query API call (EC2, STS), in the order they are sent.
///
/// Lists are flattened the Query way: `InstanceId.1`, `InstanceId.2`, ...;
/// structures by dotted names (`Filter.1.Value.2`). Nil values are skipped.
public struct QueryParameters: Sendable {
    /// The name/value pairs, unencoded; ``AWSServiceClient/query(_:version:parameters:)``
    /// sends them as a form body (see `formEncoded`).
    public private(set) var pairs: [(name: String, value: String)] = []

    public init() {}

    /// Adds `name=value` unless `value` is nil.
    public mutating func add(_ name: String, _ value: String?) {
        if let value { pairs.append((name, value)) }
    }

    /// Adds `name=N` unless `value` is nil.
    public mutating func add(_ name: String, _ value: Int?) {
        add(name, value.map(String.init))
    }

    /// Adds `name=true|false` unless `value` is nil.
    public mutating func add(_ name: String, _ value: Bool?) {
        add(name, value.map { $0 ? "true" : "false" })
    }

    /// Adds `prefix.1=values[0]`, `prefix.2=values[1]`, ...
    public mutating func addList(_ prefix: String, _ values: [String]) {
        for (index, value) in values.enumerated() { add("\(prefix).\(index + 1)", value) }
    }

    /// Adds one structure per element: `prefix.N.` + the names `fields` adds.
    public mutating func addStructures<Element>(_ prefix: String, _ elements: [Element],
                                                _ fields: (inout QueryParameters, String, Element) -> Void) {
        for (index, element) in elements.enumerated() { fields(&self, "\(prefix).\(index + 1).", element) }
    }
}

extension Array where Element == (name: String, value: String) {
    /// An `application/x-www-form-urlencoded` body: ``URIEncoding/query(_:)`` with each
    /// space as `+`, as HTML forms and botocore write it. AWS reads `%20` and `+` alike,
    /// but moto re-encodes the form this way when it checks a signature. (`+` itself is
    /// always sent as `%2B`, so nothing is ambiguous.)
    var formEncoded: String {
        URIEncoding.query(self).replacingOccurrences(of: "%20", with: "+")
    }
}
