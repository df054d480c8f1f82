import Foundation
import HTTPKit
import Testing

/// Proxy variables are process-wide, so they are set only in a child run of this test
/// binary (running ``HTTPClientProxyTests/proxyChild()``), never in this process where
/// other tests send requests concurrently.
@Suite("HTTPClient proxy environment")
struct HTTPClientProxyTests {
    private static let childURL = "HTTPKIT_PROXY_CHILD_URL"
    private static let childExpectation = "HTTPKIT_PROXY_CHILD_EXPECT"

    @Test("http_proxy sends requests through the proxy; NO_PROXY bypasses it")
    func proxyEnvironment() throws {
        let target = try LocalHTTPServer.started()
        defer { target.stop() }
        let proxy = try LocalHTTPServer.started()
        defer { proxy.stop() }
        let url = "\(target.baseURL)/inspect"

        let proxied = try runChild(["http_proxy": proxy.baseURL, Self.childURL: url, Self.childExpectation: "proxied"])
        #expect(proxied.passed, "\(proxied.output)")
        let bypassed = try runChild(["http_proxy": proxy.baseURL, "NO_PROXY": "127.0.0.1",
                                     Self.childURL: url, Self.childExpectation: "direct"])
        #expect(bypassed.passed, "\(bypassed.output)")
    }

    /// Runs in the child only: one request, proxied or not as the parent expects.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[childURL] != nil))
    func proxyChild() throws {
        let environment = ProcessInfo.processInfo.environment
        let response = try HTTPClient().send(HTTPRequest(url: environment[Self.childURL]!))
        #expect(response.status == 200)
        if environment[Self.childExpectation] == "proxied" {
            #expect(response.header("X-Proxied-Url") == environment[Self.childURL])
        } else {
            #expect(response.header("X-Proxied-Url") == nil)
            #expect(response.text.contains("\"client_port\""))
        }
    }

    /// Runs this test binary again, filtered to ``proxyChild()``, with `variables` added to a
    /// proxy-free copy of this environment. Passed only if that test ran and passed.
    private func runChild(_ variables: [String: String]) throws -> (passed: Bool, output: String) {
        let directory = try makeTemporaryDirectory(prefix: "httpkit-proxy-child")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("output")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }

        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.lowercased().hasSuffix("_proxy") }
        environment.merge(variables) { $1 }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["--testing-library", "swift-testing", "--filter", "HTTPClientProxyTests/proxyChild"]
        child.environment = environment
        child.standardOutput = output
        child.standardError = output
        try child.run()
        if !poll(upTo: 120, { !child.isRunning }) {
            kill(child.processIdentifier, SIGKILL)
        }
        child.waitUntilExit()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return (child.terminationStatus == 0 && text.contains("proxyChild() passed"), text)
    }
}
