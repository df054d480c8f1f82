import ClusterKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress on stderr: steps as lines, waits as one live line redrawn in place on a
/// terminal (and printed only when it changes elsewhere). `lineOpen` is read and written
/// under `lock` only; everything else is immutable, so one instance serves every thread.
final class TerminalReporter: ProgressReporter, @unchecked Sendable {
    static let shared = TerminalReporter()

    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lineOpen = false
    private let lock = NSLock()

    func step(_ message: String) { emit("==> " + message) }

    func warning(_ message: String) { emit("warning: " + message) }

    func progress(_ message: String) {
        lock.lock()
        defer { lock.unlock() }
        if isTerminal {
            write("\r\u{1B}[K    " + message)
            lineOpen = true
        } else {
            write("    " + message + "\n")
        }
    }

    /// Ends a live line so the next output starts on its own line.
    func finishLine() {
        lock.lock()
        defer { lock.unlock() }
        if lineOpen { write("\n") }
        lineOpen = false
    }

    private func emit(_ line: String) {
        finishLine()
        lock.lock()
        write(line + "\n")
        lock.unlock()
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
