import ArgumentParser
import ClusterKit
import Foundation

/// Runs a command body, turning clusterctl's errors into a message on stderr and the
/// documented exit code (1 failed operation, 2 bad usage or cluster file). No stack traces.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ClusterError {
        TerminalReporter.shared.finishLine()
        printError("error: \(error)")
        throw ExitCode(error.exitCode)
    } catch let error as SpecError {
        TerminalReporter.shared.finishLine()
        printError("\(error)")
        throw ExitCode(2)
    } catch let error as ExitCode {
        throw error
    } catch {
        TerminalReporter.shared.finishLine()
        printError("error: \(error)")
        throw ExitCode(1)
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
