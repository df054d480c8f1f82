import Foundation
import HTTPKit

/// A fault-injecting HTTP proxy on 127.0.0.1 in front of `upstream` (fixture
/// `fault_proxy.py`): the first N requests after ``inject(_:status:code:)`` get an
/// EC2-style error instead of being forwarded.
final class FaultProxy {
    struct Stats: Equatable {
        var requests: Int
        var faulted: Int
        var forwarded: Int
    }

    let endpoint: String
    private let fixture: FixtureProcess
    private let http = HTTPClient()

    init(upstream: String) throws {
        fixture = try FixtureProcess(script: "fault_proxy.py", arguments: [upstream, "{state}", "{log}"])
        endpoint = fixture.loopbackEndpoint
    }

    /// Answers the next `count` requests with `status` and error `code`, and resets the counters.
    func inject(_ count: Int, status: Int = 503, code: String = "RequestLimitExceeded") throws {
        let body = try JSONSerialization.data(withJSONObject: ["count": count, "status": status, "code": code])
        let response = try http.send(HTTPRequest(method: "POST", url: endpoint + "/__proxy/faults", body: body))
        guard response.status == 200 else { throw FixtureProcess.StartFailure(description: "proxy refused the fault setting") }
    }

    /// Requests counted since the last ``inject(_:status:code:)``.
    func stats() throws -> Stats {
        let response = try http.send(HTTPRequest(url: endpoint + "/__proxy/stats"))
        let json = try JSONSerialization.jsonObject(with: response.body) as? [String: Int] ?? [:]
        return Stats(requests: json["requests"] ?? -1, faulted: json["faulted"] ?? -1, forwarded: json["forwarded"] ?? -1)
    }

    /// One line per counted request: `METHOD PATH -> STATUS injected|forwarded`.
    var requests: [String] { fixture.requests }

    func stop() { fixture.stop() }
}
