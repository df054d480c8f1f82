import Foundation

/// What a command printed and how it ended.
public struct CommandResult: Sendable, Equatable {
    public var exitCode: Int32
    public var stdout: String
    public var stderr: String
    public init(exitCode: Int32, stdout: String, stderr: String) {
        self.exitCode = exitCode
        self.stdout = stdout
        self.stderr = stderr
    }
    /// What a clusterctl script said went wrong: its last `clusterctl: REASON` line on stderr.
    public var statedReason: String? {
        stderr.lastLine(after: "clusterctl: ")
    }

    /// The last `count` lines of stderr and stdout together, for error messages.
    public func tail(_ count: Int = 15) -> String {
        let lines = (stdout + "\n" + stderr).split(separator: "\n", omittingEmptySubsequences: true)
        return lines.suffix(count).joined(separator: "\n")
    }
}

/// A local port that leads to a port on a node, open until `close()`.
public protocol PortForward: AnyObject {
    /// Port on 127.0.0.1 of this machine.
    var localPort: Int { get }
    /// False once closed or once the connection it runs over is gone.
    var isOpen: Bool { get }
    func close()
}

/// Acting on one node: the only thing the bootstrap and the runtime know about a machine.
///
/// `LocalRunner` runs child processes here; `SSHRunner` runs them over SSH. Everything
/// else in ClusterKit is written once against this protocol.
public protocol CommandRunner: AnyObject, Sendable {
    /// The node's name as shown to the user (its address, or `localhost`).
    var host: String { get }
    /// Runs `command` with `/bin/sh -c` and returns its output once it ends, or throws
    /// `RunnerError.timedOut` after `timeout` seconds. `input` is its standard input (a few
    /// kilobytes, such as a key that must not appear in a command line); nil: `/dev/null`.
    func run(_ command: String, input: Data?, timeout: Double) throws -> CommandResult
    /// Runs `command`, handing its output to `onOutput` as it arrives (for `logs --follow`).
    /// Returns the exit status.
    func stream(_ command: String, onOutput: @escaping (String) -> Void) throws -> Int32
    /// Writes `contents` to `path` on the node with permission bits `mode`, atomically.
    func upload(_ contents: Data, to path: String, mode: Int) throws
    /// Opens 127.0.0.1:`localPort` (0: a free port) leading to `remoteHost:remotePort` as seen
    /// from the node, for any number of connections at once.
    func forward(to remoteHost: String, port remotePort: Int, localPort: Int) throws -> PortForward
}

extension CommandRunner {
    /// Runs `command` with nothing on its standard input.
    public func run(_ command: String, timeout: Double) throws -> CommandResult {
        try run(command, input: nil, timeout: timeout)
    }

    /// A forward from a free local port.
    public func forward(to remoteHost: String, port remotePort: Int) throws -> PortForward {
        try forward(to: remoteHost, port: remotePort, localPort: 0)
    }
}

/// Failures of a runner, each naming the host.
public enum RunnerError: Error, CustomStringConvertible {
    case timedOut(host: String, command: String, seconds: Double)
    case failedToStart(host: String, reason: String)
    /// The command is longer than the host takes in one request (`bytes` over `limit`).
    case tooLong(host: String, bytes: Int, limit: Int)
    case transfer(host: String, path: String, reason: String)
    case connection(host: String, reason: String)

    public var description: String {
        switch self {
        case .timedOut(let h, let c, let s): return "\(h): command did not finish within \(Int(s)) s and was stopped: \(c)"
        case .failedToStart(let h, let r): return "\(h): could not start command: \(r)"
        case .tooLong(let h, let bytes, let limit):
            return "\(h): could not start command: the command is \(bytes) bytes, more than the \(limit) an SSH server takes "
                + "in one request; this is a clusterctl bug, please report it"
        case .transfer(let h, let p, let r): return "\(h): could not write \(p): \(r)"
        case .connection(let h, let r): return "\(h): \(r)"
        }
    }
}
