/// What one check of a cluster's services found. A service whose node could not be asked is
/// unknown, never taken for stopped: nothing is stopped, replaced or forgotten because of it.
public struct ServiceStates: Sendable, Equatable {
    /// Services whose process (or unit) runs.
    public var running: Set<String>
    /// Services that could not be checked, with the reason (the node's error).
    public var unknown: [String: String]
    /// What the keepers recorded of each service's restarts (absent: nothing recorded).
    public var histories: [String: ServiceHistory]
    /// The current process id of running services, where the keeper told it.
    public var pids: [String: Int32]
    /// Services not running now that their keeper is about to start again (a pause between
    /// restarts, a worker waiting for its scheduler to come back).
    public var restarting: Set<String>

    public init(running: Set<String> = [], unknown: [String: String] = [:]) {
        self.running = running
        self.unknown = unknown
        histories = [:]
        pids = [:]
        restarting = []
    }

    /// Adds what one node's keeper found.
    public mutating func record(_ check: ServiceCheck) {
        running.formUnion(check.running)
        restarting.formUnion(check.restarting)
        histories.merge(check.histories) { first, _ in first }
        pids.merge(check.pids) { first, _ in first }
    }

    /// `running`, `restarting`, `stopped` or `unknown`.
    public func state(of service: String) -> ServiceState {
        if running.contains(service) { return .running }
        if unknown[service] != nil { return .unknown }
        return restarting.contains(service) ? .restarting : .stopped
    }
}

/// Whether one service runs, as far as a command could tell.
public enum ServiceState: String, Codable, Sendable {
    /// Between two runs: its keeper starts it again by itself.
    case running, restarting, stopped, unknown
}
