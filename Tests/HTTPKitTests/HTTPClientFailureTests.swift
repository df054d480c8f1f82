import Foundation
import HTTPKit
import Testing

@Suite("HTTPClient transport failures")
struct HTTPClientFailureTests {
    @Test("a refused connection is a transient error naming the host")
    func refused() throws {
        // A port that just had a server and now has none.
        let server = try LocalHTTPServer.started()
        let host = server.host
        server.stop()
        let client = HTTPClient(configuration: .init(connectTimeout: 5, timeout: 10))
        do {
            _ = try client.send(HTTPRequest(url: "http://\(host)/path?X-Amz-Signature=secret"))
            Issue.record("expected a connection failure")
        } catch let error as HTTPError {
            guard case .transport(let failure) = error else {
                Issue.record("expected a transport failure, got \(error)")
                return
            }
            #expect(failure.kind == .cannotConnect)
            #expect(failure.host == host)
            #expect(failure.curlCode == 7)
            #expect(error.isTransient)
            #expect(error.description.contains(host))
            #expect(!error.description.contains("secret"))
            #expect(RetryDecision.forError(error) == .retry)
        }
    }

    @Test("the total timeout is honoured")
    func timeout() throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(timeout: 0.5))
        let started = Date()
        do {
            _ = try client.send(HTTPRequest(url: "\(server.baseURL)/slow?seconds=5"))
            Issue.record("expected a timeout")
        } catch let error as HTTPError {
            guard case .transport(let failure) = error else {
                Issue.record("expected a transport failure, got \(error)")
                return
            }
            #expect(failure.kind == .timedOut)
            #expect(failure.isTransient)
            #expect(failure.host == server.host)
        }
        #expect(Date().timeIntervalSince(started) < 3)
    }

    @Test("the connect timeout is honoured")
    func connectTimeout() throws {
        let listener = try LocalHTTPServer(.fullBacklog)
        defer { listener.stop() }
        let client = HTTPClient(configuration: .init(connectTimeout: 0.5, timeout: 30))
        let started = Date()
        do {
            _ = try client.send(HTTPRequest(url: "\(listener.baseURL)/"))
            Issue.record("expected a connect timeout")
        } catch HTTPError.transport(let failure) {
            #expect(failure.kind == .timedOut)
            #expect(failure.isTransient)
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 0.4 && elapsed < 5)
    }

    @Test("a per-request timeout overrides the client's")
    func perRequestTimeout() throws {
        let server = try LocalHTTPServer.started()
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(timeout: 60))
        let started = Date()
        #expect(throws: HTTPError.self) { try client.send(HTTPRequest(url: "\(server.baseURL)/slow?seconds=5", timeout: 0.3)) }
        #expect(Date().timeIntervalSince(started) < 3)
    }
}
