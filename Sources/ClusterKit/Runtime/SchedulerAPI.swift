import Foundation
import HTTPKit

/// The scheduler's HTTP server: health, identity, and graceful retirement.
///
/// Reached on a port of this machine: the scheduler's own for the local provider, or the
/// local end of a tunnel to the scheduler node's loopback.
public struct SchedulerAPI: Sendable {
    /// Base URL, e.g. `http://127.0.0.1:8787`.
    public let base: String
    private let client: HTTPClient

    public init(port: Int, host: String = "127.0.0.1", client: HTTPClient = SchedulerAPI.sharedClient) {
        base = "http://\(SchedulerEndpoint.bracketed(host)):\(port)"
        self.client = client
    }

    /// One client for all scheduler calls: short timeouts, connections reused while polling.
    public static let sharedClient = HTTPClient(configuration: {
        var c = HTTPClientConfiguration()
        c.connectTimeout = 2
        c.timeout = 10
        return c
    }())

    /// The scheduler's registered workers, or nil if its HTTP server does not answer (yet).
    public func identity() -> SchedulerIdentity? {
        guard let response = try? client.send(HTTPRequest(url: base + "/clusterctl/v1/workers")),
              response.status == 200 else { return nil }
        return try? JSONDecoder().decode(SchedulerIdentity.self, from: response.body)
    }

    /// Asks the scheduler to retire `addresses` gracefully: their data moves to the remaining
    /// workers before they close. Returns once the scheduler has finished.
    public func retire(_ addresses: [String]) throws {
        let body = try JSONSerialization.data(withJSONObject: ["workers": addresses])
        let request = HTTPRequest(method: "POST", url: base + "/api/v1/retire_workers",
                                  headers: [HTTPHeader("Content-Type", "application/json")], body: body)
        let response: HTTPResponse
        do {
            response = try HTTPClient(configuration: {
                var c = HTTPClientConfiguration()
                c.connectTimeout = 5
                c.timeout = 600
                return c
            }()).send(request)
        } catch {
            throw ClusterError("could not ask the scheduler to retire workers: \(error)")
        }
        guard response.status == 200 else {
            throw ClusterError("the scheduler refused to retire workers (HTTP \(response.status))",
                               details: String(response.text.prefix(2000)))
        }
    }

    /// How many Dask servers read their TLS files again.
    public struct TLSReload: Decodable, Sendable {
        /// `worker` and `nanny` counts.
        public var reloaded: [String: Int]
        /// Server (`scheduler`, `worker ADDRESS`, `nanny ADDRESS`) to the reason it failed.
        public var failures: [String: String]
    }

    /// Asks the scheduler, its workers and their nannies to read their TLS files again and use
    /// them for every new connection (clusterctl's route in `runtime/clusterctl_http.py`).
    public func reloadTLS() throws -> TLSReload {
        let request = HTTPRequest(method: "POST", url: base + "/clusterctl/v1/reload-tls", body: Data())
        let response: HTTPResponse
        do {
            response = try HTTPClient(configuration: {
                var c = HTTPClientConfiguration()
                c.connectTimeout = 5
                c.timeout = 120
                return c
            }()).send(request)
        } catch {
            throw ClusterError("could not ask the scheduler to reload its certificates: \(error)")
        }
        guard response.status == 200, let reload = try? JSONDecoder().decode(TLSReload.self, from: response.body) else {
            throw ClusterError("the scheduler could not reload its certificates (HTTP \(response.status))",
                               details: String(response.text.prefix(2000)))
        }
        return reload
    }

    /// What the scheduler did when asked to restart its workers.
    public struct Restart: Decodable, Sendable {
        /// Workers before and after.
        public var before: Int
        public var after: Int
        /// Why the restart failed, as the scheduler put it; nil when it worked.
        public var failure: String?
    }

    /// Has the scheduler forget every task and every nanny restart its worker (clearing its
    /// memory), as `Client.restart` does; returns once the workers are back or the scheduler
    /// gave up (clusterctl's route in `runtime/clusterctl_http.py`).
    public func restartWorkers() throws -> Restart {
        let request = HTTPRequest(method: "POST", url: base + "/clusterctl/v1/restart", body: Data())
        let response: HTTPResponse
        do {
            response = try HTTPClient(configuration: {
                var c = HTTPClientConfiguration()
                c.connectTimeout = 5
                c.timeout = 300
                return c
            }()).send(request)
        } catch {
            throw ClusterError("could not ask the scheduler to restart its workers: \(error)")
        }
        guard response.status == 200, let restart = try? JSONDecoder().decode(Restart.self, from: response.body) else {
            throw ClusterError("the scheduler could not restart its workers (HTTP \(response.status)); a scheduler started "
                               + "by an older clusterctl lacks the route: `clusterctl up` after `down` brings it",
                               details: String(response.text.prefix(2000)))
        }
        return restart
    }

    /// The versions one Dask process runs: package name (and `python`) -> version, and its
    /// environment's directory.
    public struct ProcessVersions: Decodable, Sendable {
        public var host: String
        public var versions: [String: String?]?
        public var prefix: String?
        /// Why the process could not say (a worker that failed to run the probe).
        public var error: String?
    }

    /// What the scheduler and every worker process report of `packages` and their Python
    /// (clusterctl's route in `runtime/clusterctl_http.py`).
    public func versions(of packages: [String]) throws -> (scheduler: ProcessVersions, workers: [String: ProcessVersions]) {
        struct Answer: Decodable {
            var scheduler: ProcessVersions
            var workers: [String: ProcessVersions]
        }
        let request = HTTPRequest(method: "GET", url: base + "/clusterctl/v1/versions?packages=" + packages.joined(separator: ","))
        let response: HTTPResponse
        do {
            response = try client.send(request)
        } catch {
            throw ClusterError("could not ask the scheduler for its versions: \(error)")
        }
        guard response.status == 200, let answer = try? JSONDecoder().decode(Answer.self, from: response.body) else {
            throw ClusterError("the scheduler did not report its versions (HTTP \(response.status)); a scheduler started by an "
                               + "older clusterctl lacks the route: `clusterctl down` and `up` bring it",
                               details: String(response.text.prefix(2000)))
        }
        return (answer.scheduler, answer.workers)
    }
}
