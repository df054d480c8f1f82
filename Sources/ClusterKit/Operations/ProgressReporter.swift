/// Where operations tell the user what they are doing. The command line prints it; tests
/// may collect it.
public protocol ProgressReporter: AnyObject, Sendable {
    /// A step that starts now, printed as its own line.
    func step(_ message: String)
    /// The current state of a wait, shown on one line that is redrawn (a live progress line).
    func progress(_ message: String)
    /// Something the user should know that does not stop the operation.
    func warning(_ message: String)
    /// Node `node` is in `phase`, doing `detail` (its latest step): one line per node, kept
    /// current while a command works on several nodes at once.
    func node(_ node: String, _ phase: NodeProgressPhase, _ detail: String)
}

/// Where a node is in a command that brings it up, in order (`failed` ends it early).
public enum NodeProgressPhase: String, Sendable, CaseIterable {
    /// An instance is being launched and waited for until it runs (ec2).
    case launching
    /// clusterctl is connecting to the node.
    case connecting
    /// The Python environment is being checked or installed.
    case environment
    /// Dask services are starting and their workers registering.
    case services
    /// Everything on the node runs and its workers are registered with the scheduler.
    case registered
    /// A step on the node failed; the command names the cause.
    case failed
}
