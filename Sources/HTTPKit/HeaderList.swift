import CCurl

/// The request headers as the `curl_slist` that `CURLOPT_HTTPHEADER` takes, freed on deinit.
///
/// It also blanks libcurl's own `Expect: 100-continue` (no round-trip delay before a body)
/// and its default `Content-Type` for bodies, unless the request sets them.
final class HeaderList {
    private(set) var pointer: UnsafeMutablePointer<curl_slist>?

    init(_ headers: [HTTPHeader]) throws {
        for header in headers {
            // "Name;" is libcurl's spelling for a header with an empty value ("Name:" would remove it).
            try append(header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        for suppressed in ["Expect", "Content-Type"] where !Self.contains(headers, suppressed) {
            try append("\(suppressed):")
        }
    }

    deinit {
        curl_slist_free_all(pointer)
    }

    private func append(_ line: String) throws {
        guard let grown = curl_slist_append(pointer, line) else {
            throw HTTPError.clientSetup(reason: "out of memory building the header list")
        }
        pointer = grown
    }

    private static func contains(_ headers: [HTTPHeader], _ name: String) -> Bool {
        headers.contains { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }
}
