import Foundation

/// The pieces of a URL that HTTPKit may show: never the query string, which may hold
/// a presigned signature.
enum URLParts {
    /// Host and port of an absolute URL (`https://user@host:443/p?q` gives `host:443`).
    static func authority(of url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<end]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        return authority.isEmpty ? "(no host)" : String(authority)
    }

    /// `text` with the URL's query string (and fragment) replaced, so it can be shown.
    static func redactingQuery(of url: String, in text: String) -> String {
        guard let start = url.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return text }
        let query = String(url[start...])
        return text.replacingOccurrences(of: query, with: "?(query redacted)")
    }
}
