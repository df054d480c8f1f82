import Foundation
import HTTPKit
import Testing

@Suite("HTTPClient TLS verification")
struct HTTPClientTLSTests {
    /// The transport failure `body` throws, or nil (recording an issue) if it throws none.
    private func transportFailure(_ body: () throws -> HTTPResponse) -> TransportFailure? {
        do {
            _ = try body()
            Issue.record("expected a TLS failure")
        } catch HTTPError.transport(let failure) {
            return failure
        } catch {
            Issue.record("unexpected error \(error)")
        }
        return nil
    }

    @Test("a certificate signed by the configured CA bundle is accepted; without it, refused")
    func customCABundle() throws {
        let certificate = try SelfSignedCertificate()
        defer { certificate.remove() }
        let server = try LocalHTTPServer(.https(certificate: certificate.certificatePath, key: certificate.keyPath))
        defer { server.stop() }
        let trusting = HTTPClient(configuration: .init(connectTimeout: 5, timeout: 10, caBundlePath: certificate.certificatePath))
        try server.waitUntilReady(using: trusting)

        let response = try trusting.send(HTTPRequest(method: "POST", url: "\(server.baseURL)/echo", body: Data("over tls".utf8)))
        #expect(response.status == 200)
        #expect(response.text == "over tls")

        let failure = transportFailure { try HTTPClient().send(HTTPRequest(url: "\(server.baseURL)/health?sig=topsecret")) }
        #expect(failure?.kind == .tls)
        #expect(failure?.isTransient == false)
        #expect(failure?.host == server.host)
        #expect(failure.map { !$0.description.contains("topsecret") } == true)
    }

    @Test("the host name is verified against the certificate")
    func hostNameChecked() throws {
        let certificate = try SelfSignedCertificate()
        defer { certificate.remove() }
        let server = try LocalHTTPServer(.https(certificate: certificate.certificatePath, key: certificate.keyPath))
        defer { server.stop() }
        let trusting = HTTPClient(configuration: .init(connectTimeout: 5, timeout: 10, caBundlePath: certificate.certificatePath))
        try server.waitUntilReady(using: trusting)

        // The certificate names 127.0.0.1 only; "localhost" reaches the same server.
        let failure = transportFailure { try trusting.send(HTTPRequest(url: "https://localhost:\(server.port)/health")) }
        #expect(failure?.kind == .tls)
        #expect(failure?.isTransient == false)
    }

    @Test("a missing CA bundle file is a clear, permanent TLS error")
    func missingCABundle() throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(caBundlePath: "/nonexistent/ca.pem"))
        // Plain HTTP does not read the bundle; HTTPS to the same port fails before any exchange.
        #expect(try client.send(HTTPRequest(url: "\(server.baseURL)/health")).status == 200)
        let failure = transportFailure { try client.send(HTTPRequest(url: "https://\(server.host)/health")) }
        #expect(failure?.kind == .tls)
        #expect(failure?.isTransient == false)
    }
}
