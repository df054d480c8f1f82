import Foundation

/// A program run to completion by a test: its exit status and everything it printed.
struct CapturedRun {
    /// What went wrong running a program, as opposed to the program failing.
    enum Failure: Error, CustomStringConvertible {
        case timedOut(command: String, seconds: Double)

        var description: String {
            switch self {
            case let .timedOut(command, seconds):
                return "`\(command)` did not finish within \(seconds) s and was killed"
            }
        }
    }

    let status: Int32
    let stdout: String
    let stderr: String

    /// Everything it printed, stdout then stderr.
    var all: String { stdout + stderr }

    /// Runs `program` (looked up in PATH) with `arguments` and `environment` added to this
    /// process's own, stdin closed, and waits for it.
    ///
    /// After `timeout` seconds the program is killed and `Failure.timedOut` thrown. A program that
    /// leaves children holding its stdout or stderr open keeps this waiting until they close them.
    static func of(_ program: String, _ arguments: [String], environment: [String: String] = [:],
                   timeout: Double = 60) throws -> CapturedRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        let stdoutPipe = Pipe()
        let stderrPipe = Pipe()
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe

        let started = Date()
        try process.run()
        let killer = DispatchWorkItem { [pid = process.processIdentifier] in kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)

        // Read both pipes at once so neither can fill up and stall the program.
        let stderrData = ReadResult()
        let stderrDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            stderrData.data = stderrPipe.fileHandleForReading.readDataToEndOfFile()
            stderrDone.signal()
        }
        let stdoutData = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        stderrDone.wait()
        process.waitUntilExit()
        killer.cancel()

        let command = ([program] + arguments).joined(separator: " ")
        if process.terminationReason == .uncaughtSignal, process.terminationStatus == SIGKILL,
           Date().timeIntervalSince(started) >= timeout {
            throw Failure.timedOut(command: command, seconds: timeout)
        }
        return CapturedRun(
            status: process.terminationStatus,
            stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData.data, as: UTF8.self)
        )
    }
}

/// Bytes read by a background reader; read only after it has signalled that it finished.
private final class ReadResult: @unchecked Sendable {
    var data = Data()
}
