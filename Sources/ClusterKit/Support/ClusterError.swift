/// A failed operation, worded for the user: what failed and what to do next.
///
/// The command line prints `description` and exits with `exitCode`.
public struct ClusterError: Error, CustomStringConvertible, Sendable {
    public var message: String
    /// Lines of a log or command output that explain the failure, shown under the message.
    public var details: String?
    /// 1 for a failed operation, 2 for bad usage or a bad cluster file.
    public var exitCode: Int32
    /// What kind of failure it is, where code acts on that.
    public var reason: Reason?

    /// Failures that callers tell apart.
    public enum Reason: Sendable {
        /// A port the scheduler needs is held by another process.
        case portTaken
    }

    public init(_ message: String, details: String? = nil, exitCode: Int32 = 1, reason: Reason? = nil) {
        self.message = message
        self.details = details
        self.exitCode = exitCode
        self.reason = reason
    }

    /// A usage error (exit code 2).
    public static func usage(_ message: String) -> ClusterError { ClusterError(message, exitCode: 2) }

    public var description: String {
        guard let details, !details.isEmpty else { return message }
        let indented = details.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
        return message + "\n" + indented.joined(separator: "\n")
    }
}
