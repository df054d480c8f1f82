/// Where operations tell the user what they are doing. The command line prints it; tests
/// may collect it.
public protocol ProgressReporter: AnyObject, Sendable {
    /// A step that starts now, printed as its own line.
    func step(_ message: String)
    /// The current state of a wait, shown on one line that is redrawn (a live progress line).
    func progress(_ message: String)
    /// Something the user should know that does not stop the operation.
    func warning(_ message: String)
}
