import Foundation

/// The scheduler's own account of its workers, from clusterctl's route on its HTTP server
/// (`templates/runtime/clusterctl_http.py`), shaped like Dask's `/json/identity.json`.
public struct SchedulerIdentity: Decodable, Sendable, Equatable {
    public var address: String
    public var workers: [String: RegisteredWorker]
    /// Whether the scheduler serves the dashboard pages (bokeh is importable in its
    /// environment); nil from a scheduler started by an older clusterctl.
    public var dashboard: Bool?
    /// How long the cluster's lifetime limits leave; nil from a scheduler started by an older
    /// clusterctl.
    public var lifetime: LifetimeLeft?

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

/// What the scheduler's lifetime limits leave (`runtime/clusterctl_lifetime.py`).
public struct LifetimeLeft: Codable, Sendable, Equatable {
    /// Seconds until `lifetime.max` (nil: no such limit).
    public var maxLeft: Double?
    /// Seconds until `lifetime.no_client`, counted from the last moment a client was connected
    /// (nil: no such limit).
    public var noClientLeft: Double?
    /// Dask clients connected now.
    public var clients: Int

    enum CodingKeys: String, CodingKey {
        case maxLeft = "max_left", noClientLeft = "no_client_left", clients
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
