import Foundation
import HTTPKit
import Testing

/// The request the test server saw, as `/inspect` reports it.
private struct SeenRequest: Decodable {
    var method: String
    var path: String
    var headers: [[String]]
    var body: String
    var client_port: Int

    var bodyData: Data { Data(base64Encoded: body) ?? Data() }
    func header(_ name: String) -> String? {
        headers.first { $0[0].caseInsensitiveCompare(name) == .orderedSame }?[1]
    }
    static func from(_ response: HTTPResponse) throws -> SeenRequest {
        try JSONDecoder().decode(SeenRequest.self, from: response.body)
    }
}

/// Every byte value, twice, with NULs and CR/LF in the middle: a binary-safety probe.
private let binaryBody = Data((0..<512).map { UInt8($0 % 256) })

@Suite("HTTPClient against a real local server")
struct HTTPClientMethodTests {
    let client = HTTPClient(configuration: .init(connectTimeout: 5, timeout: 20))

    @Test("GET returns status, headers and body")
    func get() throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let response = try client.send(HTTPRequest(url: "\(server.baseURL)/echo", headers: [HTTPHeader("X-Custom", "get-value")]))
        #expect(response.status == 200)
        #expect(response.header("x-echo-method") == "GET")
        #expect(response.header("X-ECHO-CUSTOM") == "get-value")
        #expect(response.body.isEmpty)
    }

    @Test("request bodies arrive byte for byte", arguments: ["POST", "PUT", "PATCH", "DELETE"])
    func bodyMethods(method: String) throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let response = try client.send(HTTPRequest(
            method: method, url: "\(server.baseURL)/inspect",
            headers: [HTTPHeader("X-Amz-Date", "20150830T123600Z"), HTTPHeader("Content-Type", "application/octet-stream")],
            body: binaryBody))
        let seen = try SeenRequest.from(response)
        #expect(seen.method == method)
        #expect(seen.bodyData == binaryBody)
        #expect(seen.header("Content-Length") == "\(binaryBody.count)")
        #expect(seen.header("X-Amz-Date") == "20150830T123600Z")
        #expect(seen.header("Content-Type") == "application/octet-stream")
        #expect(seen.header("Expect") == nil)
    }

    @Test("response bodies come back byte for byte")
    func echoBinary() throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let response = try client.send(HTTPRequest(method: "PUT", url: "\(server.baseURL)/echo", body: binaryBody))
        #expect(response.status == 200)
        #expect(response.header("X-Echo-Method") == "PUT")
        #expect(response.body == binaryBody)
    }

    @Test("a large PUT is sent at once, without Expect: 100-continue")
    func largePut() throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let big = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let response = try client.send(HTTPRequest(method: "PUT", url: "\(server.baseURL)/inspect", body: big))
        let seen = try SeenRequest.from(response)
        #expect(seen.header("Expect") == nil)
        #expect(seen.bodyData == big)
    }

    @Test("PUT and POST with an empty body send Content-Length: 0 and no default Content-Type",
          arguments: ["PUT", "POST"])
    func emptyBody(method: String) throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let seen = try SeenRequest.from(client.send(HTTPRequest(method: method, url: "\(server.baseURL)/inspect")))
        #expect(seen.method == method)
        #expect(seen.header("Content-Length") == "0")
        #expect(seen.header("Content-Type") == nil)
    }

    @Test("DELETE without a body sends no body")
    func deleteWithoutBody() throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let seen = try SeenRequest.from(client.send(HTTPRequest(method: "DELETE", url: "\(server.baseURL)/inspect")))
        #expect(seen.method == "DELETE")
        #expect(seen.header("Content-Length") == nil)
        #expect(seen.bodyData.isEmpty)
    }

    @Test("HEAD returns headers without waiting for the advertised body")
    func head() throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let started = Date()
        let response = try client.send(HTTPRequest(method: "HEAD", url: "\(server.baseURL)/big", timeout: 10))
        #expect(response.status == 200)
        #expect(response.header("Content-Length") == "100000")
        #expect(response.body.isEmpty)
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test("the URL path and query are sent exactly as written")
    func exactURL() throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let path = "/inspect/a/../b/./c%2Fd%20e~f?list-type=2&prefix=x%2Fy&empty="
        let seen = try SeenRequest.from(client.send(HTTPRequest(url: server.baseURL + path)))
        #expect(seen.path == path)
    }

    @Test("headers with empty values are sent, non-2xx statuses are responses")
    func emptyHeaderAndStatus() throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let seen = try SeenRequest.from(client.send(HTTPRequest(url: "\(server.baseURL)/inspect", headers: [HTTPHeader("X-Empty", "")])))
        #expect(seen.header("X-Empty") == "")
        let notFound = try client.send(HTTPRequest(url: "\(server.baseURL)/status?code=404&body=missing"))
        #expect(notFound.status == 404)
        #expect(notFound.text == "missing")
    }

    @Test("sequential requests reuse one connection")
    func connectionReuse() throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let reused = HTTPClient()
        let ports = try (0..<3).map { _ in try SeenRequest.from(reused.send(HTTPRequest(url: "\(server.baseURL)/inspect"))).client_port }
        #expect(Set(ports).count == 1)
    }

    @Test("many threads may send at once")
    func concurrentSends() throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let shared = HTTPClient()
        let results = ResultBox(count: 40)
        let url = "\(server.baseURL)/echo"
        DispatchQueue.concurrentPerform(iterations: 40) { index in
            let body = Data("request \(index) ".utf8) + binaryBody
            let response = try? shared.send(HTTPRequest(method: "POST", url: url, body: body))
            results.set(index, response?.status == 200 && response?.body == body)
        }
        #expect(results.all)
    }

    @Test("malformed requests are rejected before sending")
    func invalidRequests() {
        #expect(throws: HTTPError.self) { try client.send(HTTPRequest(method: "GE T", url: "http://127.0.0.1:9/")) }
        #expect(throws: HTTPError.self) {
            try client.send(HTTPRequest(url: "http://127.0.0.1:9/", headers: [HTTPHeader("X-Bad", "a\r\nInjected: yes")]))
        }
        #expect(throws: HTTPError.self) { try client.send(HTTPRequest(url: "file:///etc/passwd")) }
    }
}

/// Thread-safe flags, one per concurrent request.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var flags: [Bool]
    init(count: Int) { flags = Array(repeating: false, count: count) }
    func set(_ index: Int, _ value: Bool) { lock.withLock { flags[index] = value } }
    var all: Bool { lock.withLock { flags.allSatisfy { $0 } } }
}
