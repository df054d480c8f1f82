import Foundation
import Testing
@testable import SSHKit

@Suite("local port forwarding (direct-tcpip)")
struct ForwardTests {
    @Test("a forward reaches an HTTP server on the host's loopback, for several connections at once, during an exec")
    func forwardToHTTPServer() throws {
        try withSSHHosts { hosts throws in
            let served = hosts.directory + "/www"
            try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
            try "hello through the tunnel\n".write(toFile: served + "/hello.txt", atomically: true, encoding: .utf8)
            let big = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
            try big.write(to: URL(fileURLWithPath: served + "/big.bin"))
            let server = try TestHTTPServer(directory: served)
            defer { server.stop() }

            let session = try hosts.connect()
            defer { session.close() }
            let forward = try session.forwardLocalPort(to: "127.0.0.1", port: server.port)
            #expect(forward.localPort != server.port && forward.localPort > 0)

            #expect(try fetch(port: forward.localPort, path: "/hello.txt") == Data("hello through the tunnel\n".utf8))

            // Four large downloads in parallel with a command on the same session.
            let downloads = ResultBox()
            let group = DispatchGroup()
            for n in 0..<4 {
                DispatchQueue.global().async(group: group) {
                    let result = Result { try fetch(port: forward.localPort, path: "/big.bin") == big ? "same" : "different" }
                    downloads.append("\(n)", result)
                }
            }
            let exec = try session.execute("sleep 0.2; echo exec alongside", timeout: 30)
            #expect(group.wait(timeout: .now() + 60) == .success)
            #expect(exec.stdoutText == "exec alongside\n")
            #expect(downloads.all.map { (try? $0.1.get()) ?? "\($0.1)" } == Array(repeating: "same", count: 4))

            forward.close()
            #expect(throws: (any Error).self) { try fetch(port: forward.localPort, path: "/hello.txt") }
            #expect(try session.execute("echo after", timeout: 10).stdoutText == "after\n")
        }
    }

    /// libssh2 keeps a channel open in progress in the session: two opens of different kinds
    /// in flight at once would swap channels (a forwarded connection handed a command's).
    @Test("commands and forwarded connections opened at once each get a channel of their own kind")
    func concurrentOpensOfDifferentKinds() throws {
        try withForwardedFile(folder: "www", file: "page.txt", contents: "page\n") { session, forward throws in
            let results = ResultBox()
            DispatchQueue.concurrentPerform(iterations: 8) { lane in
                for round in 0..<6 {
                    if lane % 2 == 0 {
                        let outcome = Result { try session.execute("echo \(lane)-\(round)", timeout: 60).stdoutText }
                        results.append("\(lane)-\(round)\n", outcome)
                    } else {
                        let outcome = Result { String(decoding: try fetch(port: forward.localPort, path: "/page.txt"), as: UTF8.self) }
                        results.append("page\n", outcome)
                    }
                }
            }
            #expect(results.count == 48)
            for (expected, outcome) in results.all {
                #expect((try? outcome.get()) == expected, "\(outcome)")
            }
            #expect(forward.lastError == nil, "\(String(describing: forward.lastError))")
        }
    }

    /// What a browser does with a dashboard: several connections held open at once, the
    /// server speaking first and both sides taking turns on each (as on a websocket).
    @Test("a forward carries many long-lived two-way connections at once")
    func forwardCarriesLongLivedConnections() throws {
        try withSSHHosts { hosts throws in
            let server = try TestEchoServer(directory: hosts.directory)
            defer { server.stop() }
            let session = try hosts.connect()
            defer { session.close() }
            let forward = try session.forwardLocalPort(to: "127.0.0.1", port: server.port)
            defer { forward.close() }

            let connections = try (0..<8).map { _ in try LineConnection(port: forward.localPort) }
            defer { connections.forEach { $0.close() } }
            // Every connection is open before any is answered: the server greets each first.
            for connection in connections { #expect(try connection.readLine() == "ready") }
            for round in 0..<25 {
                for (index, connection) in connections.enumerated() { try connection.send("c\(index) r\(round)") }
                for (index, connection) in connections.enumerated() {
                    #expect(try connection.readLine() == "c\(index) r\(round)")
                }
            }
            #expect(forward.lastError == nil)
        }
    }

    @Test("a forward to a port where nothing listens drops the connection and records a forward error")
    func forwardToClosedPort() throws {
        try withSSHHosts { hosts throws in
            let session = try hosts.connect()
            defer { session.close() }
            let unused = try TestHTTPServer.unusedPort()
            let forward = try session.forwardLocalPort(to: "127.0.0.1", port: unused)
            defer { forward.close() }
            let data = try? fetch(port: forward.localPort, path: "/")
            #expect(data == nil || data!.isEmpty)
            #expect(forward.lastError?.step == .forward)
            #expect(String(describing: forward.lastError).contains("127.0.0.1:\(unused)"))
        }
    }

    @Test("closing the session closes its forwards")
    func sessionCloseEndsForwards() throws {
        try withSSHHosts { hosts throws in
            let session = try hosts.connect()
            let forward = try session.forwardLocalPort(to: "127.0.0.1", port: 9)
            session.close()
            #expect(!session.isOpen)
            #expect(throws: (any Error).self) { try fetch(port: forward.localPort, path: "/") }
            #expect(throws: SSHError.self) { _ = try session.execute("true", timeout: 5) }
        }
    }

    @Test("a forward whose connection died says it is no longer open, so its owner can open another")
    func deadConnectionClosesTheForward() throws {
        try withForwardedFile(folder: "www-dead", file: "alive.txt", contents: "alive\n") { session, forward throws in
            #expect(try fetch(port: forward.localPort, path: "/alive.txt") == Data("alive\n".utf8))
            #expect(forward.isOpen)
            // The shell's parent is the sshd process serving this connection: killing it drops
            // the connection under the forward (exec's own channel dies with it).
            _ = try? session.execute("kill -KILL $PPID", timeout: 10)
            #expect(throws: (any Error).self) { try fetch(port: forward.localPort, path: "/alive.txt") }
            #expect(!forward.isOpen)
        }
    }
}

/// An sshd host whose loopback HTTP server serves `file` (with `contents`) from `folder`, and
/// a session with a forward to that server; all stopped after `body`.
private func withForwardedFile(folder: String, file: String, contents: String,
                               _ body: (SSHSession, SSHPortForward) throws -> Void) throws {
    try withSSHHosts { hosts throws in
        let served = hosts.directory + "/" + folder
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        try contents.write(toFile: served + "/" + file, atomically: true, encoding: .utf8)
        let server = try TestHTTPServer(directory: served)
        defer { server.stop() }
        let session = try hosts.connect()
        defer { session.close() }
        let forward = try session.forwardLocalPort(to: "127.0.0.1", port: server.port)
        defer { forward.close() }
        try body(session, forward)
    }
}

/// GETs `path` from 127.0.0.1:`port` with curl; throws if curl fails.
func fetch(port: Int, path: String) throws -> Data {
    let output = NSTemporaryDirectory() + "fetch-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: output) }
    try SSHTestHosts.run(["curl", "-sS", "--fail", "--max-time", "30", "-o", output, "http://127.0.0.1:\(port)\(path)"])
    return try Data(contentsOf: URL(fileURLWithPath: output))
}

/// `python3 -m http.server` on 127.0.0.1 and a port the kernel picks, stopped by pid.
final class TestHTTPServer {
    let port: Int
    private let pid: pid_t

    init(directory: String) throws {
        let log = directory + ".http-server.log"
        pid = try TestProcess.spawn(["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
                                     "--directory", directory], outputFile: log)
        // It prints "Serving HTTP on 127.0.0.1 port N (...)" once listening.
        var found: Int?
        _ = TestProcess.poll(seconds: 10) {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            found = text.range(of: #"port \d+"#, options: .regularExpression).flatMap { Int(text[$0].dropFirst(5)) }
            return found != nil
        }
        guard let found else {
            TestProcess.stop(pid)
            throw TestProcess.Failure(command: "python3 -m http.server", status: -1, output: "no port announced")
        }
        port = found
    }

    func stop() {
        TestProcess.stop(pid)
    }

    /// A loopback port nothing listens on right now.
    static func unusedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 ? getsockname(fd, pointer, &length) : -1
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A line echo server on 127.0.0.1 (a port the kernel picks) that greets each connection with
/// `ready` and serves many at once; stopped by pid.
final class TestEchoServer {
    let port: Int
    private let pid: pid_t

    init(directory: String) throws {
        let log = directory + "/echo-server-\(UUID().uuidString.prefix(8)).log"
        let script = """
        import socketserver
        class Echo(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"ready\\n"); self.wfile.flush()
                for line in self.rfile:
                    self.wfile.write(line); self.wfile.flush()
        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
        server = Server(("127.0.0.1", 0), Echo)
        print("port", server.server_address[1], flush=True)
        server.serve_forever()
        """
        pid = try TestProcess.spawn(["python3", "-u", "-c", script], outputFile: log)
        var found: Int?
        _ = TestProcess.poll(seconds: 10) {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            found = text.range(of: #"port \d+"#, options: .regularExpression).flatMap { Int(text[$0].dropFirst(5)) }
            return found != nil
        }
        guard let found else {
            TestProcess.stop(pid)
            throw TestProcess.Failure(command: "python3 echo server", status: -1, output: "no port announced")
        }
        port = found
    }

    func stop() { TestProcess.stop(pid) }
}

/// A TCP connection to 127.0.0.1:`port` that sends and reads lines (reads time out after 15 s).
final class LineConnection {
    private let fd: Int32
    private var pending: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw TestProcess.Failure(command: "connect 127.0.0.1:\(port)", status: errno, output: String(cString: strerror(errno)))
        }
    }

    func send(_ line: String) throws {
        let bytes = Array((line + "\n").utf8)
        guard Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else {
            throw TestProcess.Failure(command: "send", status: errno, output: String(cString: strerror(errno)))
        }
    }

    /// The next line without its newline; throws on timeout or end of stream.
    func readLine() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !pending.contains(UInt8(ascii: "\n")) {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else {
                throw TestProcess.Failure(command: "recv", status: errno, output: count == 0 ? "end of stream" : String(cString: strerror(errno)))
            }
            pending += buffer[0..<count]
        }
        let end = pending.firstIndex(of: UInt8(ascii: "\n"))!
        defer { pending.removeFirst(end + 1) }
        return String(decoding: pending[0..<end], as: UTF8.self)
    }

    func close() { Glibc.close(fd) }
}
