import Foundation
import Testing
@testable import SSHKit

@Suite("connecting")
struct ConnectTests {
    private func configuration(port: Int, timeout: Double) -> SSHConfiguration {
        SSHConfiguration(host: "127.0.0.1", port: port, user: "nobody", authentication: .keyFile("/nonexistent"),
                         hostKeys: SSHHostKeyCheck(policy: .strict, knownHostsFiles: [],
                                                   recordFile: "/nonexistent/known_hosts"),
                         connectTimeout: timeout)
    }

    @Test("a refused connection fails at the connect step, naming host:port")
    func refused() throws {
        let port = try TestHTTPServer.unusedPort()
        let error = thrownError { _ = try SSHSession.connect(configuration(port: port, timeout: 5)) }
        guard let error = error as? SSHError else {
            Issue.record("expected SSHError, got \(String(describing: error))")
            return
        }
        #expect(error.step == .connect)
        #expect(error.host == "127.0.0.1:\(port)")
        #expect(error.description.contains("Connection refused"))
    }

    @Test("a server that accepts TCP but never speaks SSH hits the connect deadline")
    func silentServer() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 4) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))

        let started = Date()
        let error = thrownError { _ = try SSHSession.connect(configuration(port: port, timeout: 1)) }
        let elapsed = Date().timeIntervalSince(started)
        guard case .timedOut(_, .handshake, 1, _)? = error as? SSHError else {
            Issue.record("expected a handshake timeout, got \(String(describing: error))")
            return
        }
        #expect(elapsed >= 1 && elapsed < 3)
    }
}
