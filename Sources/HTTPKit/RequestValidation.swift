/// Checks that a request can be sent as written, so nothing smuggles extra lines into it.
enum RequestValidation {
    static func check(_ request: HTTPRequest) throws {
        guard isToken(request.method) else {
            throw HTTPError.invalidRequest(reason: "method \"\(request.method)\" is not an HTTP token")
        }
        guard !request.url.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) else {
            throw HTTPError.invalidRequest(
                reason: "the URL for \(URLParts.authority(of: request.url)) contains spaces or control characters; percent-encode them")
        }
        for header in request.headers {
            guard isToken(header.name) else {
                throw HTTPError.invalidRequest(reason: "header name \"\(header.name)\" is not an HTTP token")
            }
            guard !header.value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw HTTPError.invalidRequest(reason: "header \(header.name) has a line break or NUL in its value")
            }
        }
    }

    /// RFC 9110 token: visible ASCII except separators.
    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && scalar.value > 0x20 && scalar.value < 0x7F && !"\"(),/:;<=>?@[\\]{}".unicodeScalars.contains(scalar)
        }
    }
}
