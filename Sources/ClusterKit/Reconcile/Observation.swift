/// What is really running, as far as a command could see before planning.
public struct Observation: Sendable, Equatable {
    /// The scheduler's process (or unit) runs.
    public var schedulerRunning: Bool
    /// Names of worker services whose process (or unit) runs.
    public var runningServices: Set<String>
    /// Ids of the launched nodes that still exist (pending or running); only read where the
    /// provider makes nodes.
    public var liveNodes: Set<String>
    /// Services (`scheduler` among them) whose node could not be asked, with the reason:
    /// neither running nor stopped, and never stopped, replaced or forgotten because of that.
    public var unknown: [String: String]

    public init(schedulerRunning: Bool, runningServices: Set<String>, liveNodes: Set<String> = [],
                unknown: [String: String] = [:]) {
        self.schedulerRunning = schedulerRunning
        self.runningServices = runningServices
        self.liveNodes = liveNodes
        self.unknown = unknown
    }

    /// Nothing runs.
    public static let nothing = Observation(schedulerRunning: false, runningServices: [])
}
