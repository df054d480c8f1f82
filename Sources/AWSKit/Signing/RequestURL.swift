/// The parts of a request URL that SigV4 signs, split without any decoding so
/// the signer sees the path and query exactly as they will be sent.
struct RequestURL: Equatable {
    /// `http` or `https`, lowercased.
    var scheme: String
    /// `host[:port]` as written in the URL, without user information.
    var authority: String
    /// The path as written, `/` when the URL has none.
    var path: String
    /// The query after `?` (empty when absent), without a fragment.
    var query: String

    /// Splits `url`; returns nil when it has no `scheme://host`.
    init?(_ url: String) {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        scheme = url[..<schemeEnd.lowerBound].lowercased()
        var rest = url[schemeEnd.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        guard !scheme.isEmpty, !authority.isEmpty else { return nil }
        self.authority = String(authority)
        rest = rest[authorityEnd...]
        let queryStart = rest.firstIndex(of: "?")
        let rawPath = rest[..<(queryStart ?? rest.endIndex)]
        path = rawPath.isEmpty ? "/" : String(rawPath)
        query = queryStart.map { String(rest[rest.index(after: $0)...]) } ?? ""
    }

    /// The value of the `Host` header: the authority without a default port.
    var hostHeader: String {
        let lowered = authority.lowercased()
        if scheme == "https", lowered.hasSuffix(":443") { return String(lowered.dropLast(4)) }
        if scheme == "http", lowered.hasSuffix(":80") { return String(lowered.dropLast(3)) }
        return lowered
    }

    /// The URL rebuilt with `query` in place of the original query.
    func replacingQuery(with query: String) -> String {
        "\(scheme)://\(authority)\(path)" + (query.isEmpty ? "" : "?\(query)")
    }
}
