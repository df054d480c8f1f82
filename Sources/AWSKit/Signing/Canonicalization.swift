/// The pure string transformations of SigV4's canonical request.
enum Canonicalization {
    /// The canonical URI of a raw request path.
    ///
    /// With `normalizing`, empty and `.` segments are dropped and `..` removes
    /// the segment before it (a trailing slash is kept). With
    /// `encodingTwice`, each segment is encoded as written, so a path that is
    /// already percent-encoded ends up encoded twice, as every AWS service but
    /// S3 expects; without it each segment is decoded first and encoded once.
    static func uri(path: String, normalizing: Bool, encodingTwice: Bool) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let kept = normalizing ? normalized(segments) : segments
        let encoded = kept.map { segment in
            URIEncoding.encode(encodingTwice ? segment : URIEncoding.decode(segment))
        }
        guard normalizing else { return encoded.joined(separator: "/") }
        let trailingSlash = path.hasSuffix("/") && !encoded.isEmpty
        return "/" + encoded.joined(separator: "/") + (trailingSlash ? "/" : "")
    }

    private static func normalized(_ segments: [String]) -> [String] {
        var stack = [String]()
        for segment in segments {
            switch segment {
            case "", ".": continue
            case "..": _ = stack.popLast()
            default: stack.append(segment)
            }
        }
        return stack
    }

    /// The canonical query string of a raw query: each name and value decoded
    /// and re-encoded, pairs sorted by encoded name, then encoded value.
    static func query(_ rawQuery: String) -> String {
        queryPairs(rawQuery)
            .sorted { $0.name != $1.name ? bytewise($0.name, $1.name) : bytewise($0.value, $1.value) }
            .map { "\($0.name)=\($0.value)" }
            .joined(separator: "&")
    }

    /// The query's `name=value` pairs, encoded the SigV4 way, in their order.
    static func queryPairs(_ rawQuery: String) -> [(name: String, value: String)] {
        rawQuery.split(separator: "&").map { component in
            let parts = component.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = URIEncoding.encode(URIEncoding.decode(String(parts[0])))
            let value = parts.count > 1 ? URIEncoding.encode(URIEncoding.decode(String(parts[1]))) : ""
            return (name, value)
        }
    }

    /// Byte order of the UTF-8 forms, which SigV4 sorts by.
    private static func bytewise(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    /// A header value with surrounding whitespace removed and every inner run
    /// of whitespace (spaces, tabs, folded line breaks) turned into one space.
    static func headerValue(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            .joined(separator: " ")
    }

    /// Lowercased header names mapped to their canonical values; repeated
    /// headers are joined with commas in the order they appear. Sorted by name.
    static func headers(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var order = [String]()
        var values = [String: [String]]()
        for header in headers {
            let name = header.name.lowercased()
            if values[name] == nil { order.append(name) }
            values[name, default: []].append(headerValue(header.value))
        }
        return order.sorted(by: bytewise)
            .map { ($0, values[$0]!.joined(separator: ",")) }
    }
}
