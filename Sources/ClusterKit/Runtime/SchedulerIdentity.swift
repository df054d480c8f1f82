import Foundation

/// The scheduler's own account of its workers, from clusterctl's route on its HTTP server
/// (`templates/runtime/clusterctl_http.py`), shaped like Dask's `/json/identity.json`.
public struct SchedulerIdentity: Decodable, Sendable, Equatable {
    public var address: String
    public var workers: [String: RegisteredWorker]
    /// Whether the scheduler serves the dashboard pages (bokeh is importable in its
    /// environment); nil from a scheduler started by an older clusterctl.
    public var dashboard: Bool?

    /// Workers sorted by name, each with its address filled in.
    public var workerList: [RegisteredWorker] {
        workers.map { address, worker in
            var worker = worker
            worker.address = address
            return worker
        }.sorted { $0.name < $1.name }
    }

    /// Workers that are not closing or closed.
    public var liveWorkers: [RegisteredWorker] {
        workerList.filter { !["closing", "closed", "closing_gracefully"].contains($0.status) }
    }
}

/// One worker as the scheduler sees it.
public struct RegisteredWorker: Decodable, Sendable, Equatable {
    public var name: String
    public var address: String = ""
    public var host: String
    public var nthreads: Int
    public var memoryLimit: UInt64
    public var status: String

    enum CodingKeys: String, CodingKey {
        case name, host, nthreads, status
        case memoryLimit = "memory_limit"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Dask worker names may be numbers when none was given.
        if let text = try? c.decode(String.self, forKey: .name) {
            name = text
        } else {
            name = String(try c.decode(Int.self, forKey: .name))
        }
        host = try c.decode(String.self, forKey: .host)
        nthreads = try c.decode(Int.self, forKey: .nthreads)
        memoryLimit = (try? c.decode(UInt64.self, forKey: .memoryLimit)) ?? 0
        status = (try? c.decode(String.self, forKey: .status)) ?? "unknown"
    }
}
