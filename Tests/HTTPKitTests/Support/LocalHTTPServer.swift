import Foundation
import HTTPKit

/// A real HTTP(S) server for one test: ``testServerScript`` run by python3 on 127.0.0.1
/// with a kernel-chosen port, stopped by pid in ``stop()`` (and on deinit).
final class LocalHTTPServer {
    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    let port: Int
    let scheme: String
    private let process: Process
    private let directory: URL

    var host: String { "127.0.0.1:\(port)" }
    var baseURL: String { "\(scheme)://\(host)" }

    /// What the server does on its port.
    enum Mode {
        case http
        /// HTTPS with this certificate and key (PEM files).
        case https(certificate: String, key: String)
        /// Accepts nothing: connections hang until the client's connect timeout.
        case fullBacklog

        var arguments: [String] {
            switch self {
            case .http: return ["http"]
            case .https(let certificate, let key): return ["https", certificate, key]
            case .fullBacklog: return ["full-backlog"]
            }
        }
    }

    /// Starts the server and returns once it has a port (see ``waitUntilReady(using:)``).
    init(_ mode: Mode = .http) throws {
        directory = try makeTemporaryDirectory(prefix: "httpkit-server")
        let script = directory.appendingPathComponent("server.py")
        let portFile = directory.appendingPathComponent("port")
        try testServerScript.write(to: script, atomically: true, encoding: .utf8)
        if case .https = mode { scheme = "https" } else { scheme = "http" }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, portFile.path] + mode.arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process

        var port = 0
        _ = poll(upTo: 15) {
            port = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0) } ?? 0
            return port > 0 || !process.isRunning
        }
        self.port = port
        guard port > 0 else {
            stop()
            throw StartFailure(description: "the test HTTP server did not start within 15 s")
        }
    }

    /// Waits until `/health` answers, using `client` (which must trust the server's CA for HTTPS).
    func waitUntilReady(using client: HTTPClient) throws {
        let ready = poll(upTo: 15) {
            (try? client.send(HTTPRequest(url: "\(baseURL)/health", timeout: 2)))?.status == 200
        }
        guard ready else { throw StartFailure(description: "the test HTTP server on \(host) did not answer /health within 15 s") }
    }

    /// Stops the server by its pid and waits for it to exit. SIGKILL, because a child
    /// spawned from a Swift concurrency thread inherits that thread's blocked signals.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}

/// A fresh private directory under the system temporary directory.
func makeTemporaryDirectory(prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

extension LocalHTTPServer {
    /// Starts a plain HTTP server and waits until it answers.
    static func started() throws -> LocalHTTPServer {
        let server = try LocalHTTPServer()
        try server.waitUntilReady(using: HTTPClient())
        return server
    }
}
