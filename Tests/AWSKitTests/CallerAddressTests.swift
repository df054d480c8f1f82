import AWSKit
import Foundation
import Testing

/// `CallerAddress` against a stand-in for checkip on 127.0.0.1, named through
/// `CLUSTERCTL_CHECKIP_URL`: the real checkip host is never contacted.
@Suite("the caller's public address")
struct CallerAddressTests {
    @Test func ipv4AndIPv6AnswersBecomeOneAddressCIDRs() throws {
        let checkip = try CheckIPStandIn()
        defer { checkip.stop() }
        #expect(try CallerAddress.lookup(environment: checkip.environment("/ipv4")) == "203.0.113.7/32")
        #expect(try CallerAddress.lookup(environment: checkip.environment("/ipv6")) == "2001:db8::7/128")
        #expect(checkip.requests == ["GET /ipv4", "GET /ipv6"])
    }

    @Test func aBodyThatIsNotAnAddressIsRefused() throws {
        let checkip = try CheckIPStandIn()
        defer { checkip.stop() }
        let url = checkip.endpoint + "/garbage"
        let error = try #require(throws: CallerAddressError.self) {
            try CallerAddress.lookup(environment: checkip.environment("/garbage"))
        }
        #expect(error.description == "could not find your public address at \(url) (its answer is not an IP address: "
            + "\"<html><body>Sign in to the hotel wifi</body></html>\"): set provider.allowed_cidrs in the cluster "
            + "file, e.g. allowed_cidrs: [203.0.113.7/32]")
    }

    @Test func http500IsTriedTwiceThenReported() throws {
        let checkip = try CheckIPStandIn()
        defer { checkip.stop() }
        let error = try #require(throws: CallerAddressError.self) {
            try CallerAddress.lookup(environment: checkip.environment("/error"))
        }
        #expect(error.reason == "it answered HTTP 500")
        #expect(error.description.hasSuffix("): set provider.allowed_cidrs in the cluster file, e.g. allowed_cidrs: [203.0.113.7/32]"))
        #expect(checkip.requests == ["GET /error", "GET /error"])
    }

    @Test func aRefusedConnectionIsTriedTwiceThenReported() throws {
        let url = "http://127.0.0.1:\(try closedPort())/"
        let error = try #require(throws: CallerAddressError.self) {
            try CallerAddress.lookup(environment: [CallerAddress.urlVariable: url], timeout: 2)
        }
        #expect(error.url == url)
        #expect(error.reason.hasPrefix("cannot connect: "))
        #expect(error.reason.hasSuffix("(2 attempts)"))
        #expect(error.description.hasPrefix("could not find your public address at \(url) (cannot connect: "))
        #expect(error.description.hasSuffix("set provider.allowed_cidrs in the cluster file, e.g. allowed_cidrs: [203.0.113.7/32]"))
    }

    @Test func onlyOneBareAddressIsAccepted() {
        #expect(CallerAddress.cidr(fromReply: "198.51.100.20\n") == "198.51.100.20/32")
        #expect(CallerAddress.cidr(fromReply: "  2001:db8:0:1::20 \r\n") == "2001:db8:0:1::20/128")
        #expect(CallerAddress.cidr(fromReply: "::ffff:198.51.100.20") == "::ffff:198.51.100.20/128")
        for bad in ["", "198.51.100", "198.51.100.300", "198.51.100.20/32", "198.51.100.20, 10.0.0.1",
                    "198.51.100.20\n10.0.0.1", "fe80::1%eth0", "checkip.amazonaws.com", "<html>198.51.100.20</html>"] {
            #expect(CallerAddress.cidr(fromReply: bad) == nil, "\(bad.debugDescription)")
        }
    }

    /// A loopback port nothing listens on: one the kernel just handed out and took back.
    private func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A checkip stand-in: python3's http.server on 127.0.0.1 with a kernel-chosen port,
/// answering `/ipv4`, `/ipv6`, `/garbage` (an HTML page) and `/error` (HTTP 500), and
/// logging each request as `METHOD PATH`. Stopped by its pid.
final class CheckIPStandIn {
    let endpoint: String
    private let server: FixtureProcess

    init() throws {
        server = try FixtureProcess(loopbackHTTPServer: Self.handler, named: "checkip.py", readyWithin: 10)
        endpoint = server.loopbackEndpoint
    }

    /// An environment that points `CallerAddress` at `path` here.
    func environment(_ path: String) -> [String: String] {
        [CallerAddress.urlVariable: endpoint + path]
    }

    /// The requests received so far, one `METHOD PATH` each.
    var requests: [String] { server.requests }

    func stop() { server.stop() }

    /// The server's Python `Handler`, run by ``FixtureProcess/init(loopbackHTTPServer:named:environment:readyWithin:)``.
    private static let handler = #"""
        answers = {
            "/ipv4": (200, "203.0.113.7\n"),
            "/ipv6": (200, "2001:db8::7\n"),
            "/garbage": (200, "<html><body>Sign in to the hotel wifi</body></html>\n"),
            "/error": (500, "internal error\n"),
        }

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass
            def do_GET(self):
                with open(log_path, "a") as log:
                    log.write(f"{self.command} {self.path}\n")
                status, body = answers.get(self.path, (404, "not found\n"))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
        """#
}
