import Foundation

/// Runs commands on this machine as child processes.
public final class LocalRunner: CommandRunner {
    public let host = "localhost"
    public init() {}

    public func run(_ command: String, input: Data?, timeout: Double) throws -> CommandResult {
        let started = Stopwatch()
        let child = try ChildProcess(command: command, ownGroup: true, input: input)
        var out = Data()
        var err = Data()
        let finished = child.drain(until: Deadline(seconds: timeout)) { isOut, chunk in
            if isOut { out.append(chunk) } else { err.append(chunk) }
        }
        if !finished {
            child.killGroup()
            _ = child.wait()
            throw RunnerError.timedOut(host: host, command: command, seconds: timeout)
        }
        let code = child.wait()
        debugLog.debug("localhost: exit \(code) in \(started.formatted): \(debugSummary(command))")
        return CommandResult(exitCode: code, stdout: String(decoding: out, as: UTF8.self),
                             stderr: String(decoding: err, as: UTF8.self))
    }

    public func stream(_ command: String, onOutput: @escaping (String) -> Void) throws -> Int32 {
        let child = try ChildProcess(command: command, ownGroup: false)
        _ = child.drain(until: nil) { _, chunk in onOutput(String(decoding: chunk, as: UTF8.self)) }
        return child.wait()
    }

    public func upload(_ contents: Data, to path: String, mode: Int) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AtomicFile.write(contents, to: url, mode: mode_t(mode))
        } catch {
            throw RunnerError.transfer(host: host, path: path, reason: "\(error)")
        }
    }

    /// Local ports need no tunnel: the forward is the port itself (`localPort` is not used).
    public func forward(to remoteHost: String, port remotePort: Int, localPort: Int) throws -> PortForward {
        DirectPort(localPort: remotePort)
    }
}

/// A "forward" to a port that is already reachable from here.
final class DirectPort: PortForward {
    let localPort: Int
    init(localPort: Int) { self.localPort = localPort }
    /// A port of this machine needs no connection to stay usable.
    let isOpen = true
    func close() {}
}
