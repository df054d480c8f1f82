/// What is really running, as far as a command could see before planning.
public struct Observation: Sendable, Equatable {
    /// The scheduler's process (or unit) runs.
    public var schedulerRunning: Bool
    /// Names of worker services whose process (or unit) runs.
    public var runningServices: Set<String>
    /// Names of the Dask workers the scheduler reports as live; nil if it did not answer.
    public var registeredWorkers: [String]?

    public init(schedulerRunning: Bool, runningServices: Set<String>, registeredWorkers: [String]?) {
        self.schedulerRunning = schedulerRunning
        self.runningServices = runningServices
        self.registeredWorkers = registeredWorkers
    }

    /// Nothing runs.
    public static let nothing = Observation(schedulerRunning: false, runningServices: [], registeredWorkers: nil)
}
