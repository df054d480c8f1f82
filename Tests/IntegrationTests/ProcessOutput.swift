import Foundation

/// A program run to completion with extra environment: its exit status and output.
struct ProcessOutput {
    let status: Int32
    let stdout: String
    let stderr: String

    /// Everything it printed.
    var all: String { stdout + stderr }

    struct TimedOut: Error, CustomStringConvertible {
        let command: String
        var description: String { "\(command) did not finish in time and was killed" }
    }

    static func run(_ program: String, _ arguments: [String], environment: [String: String] = [:],
                    timeout: Double) throws -> ProcessOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let killer = DispatchWorkItem { [pid = process.processIdentifier] in kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        final class Box: @unchecked Sendable { var data = Data() }
        let errData = Box()
        let errDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errData.data = err.fileHandleForReading.readDataToEndOfFile()
            errDone.signal()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        errDone.wait()
        process.waitUntilExit()
        if killer.isCancelled == false, process.terminationReason == .uncaughtSignal, process.terminationStatus == SIGKILL {
            killer.cancel()
            throw TimedOut(command: ([program] + arguments).joined(separator: " "))
        }
        killer.cancel()
        return ProcessOutput(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData.data, as: UTF8.self))
    }
}
