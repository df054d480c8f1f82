/// What one check of a cluster's services found. A service whose node could not be asked is
/// unknown, never taken for stopped: nothing is stopped, replaced or forgotten because of it.
public struct ServiceStates: Sendable, Equatable {
    /// Services whose process (or unit) runs.
    public var running: Set<String>
    /// Services that could not be checked, with the reason (the node's error).
    public var unknown: [String: String]

    public init(running: Set<String> = [], unknown: [String: String] = [:]) {
        self.running = running
        self.unknown = unknown
    }

    /// `running`, `stopped` or `unknown`.
    public func state(of service: String) -> ServiceState {
        if running.contains(service) { return .running }
        return unknown[service] == nil ? .stopped : .unknown
    }
}

/// Whether one service runs, as far as a command could tell.
public enum ServiceState: String, Codable, Sendable {
    case running, stopped, unknown
}
