import ClusterKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress on stderr, in one of three styles chosen once per run (`configure`):
///
/// - `live` (a terminal that takes escape sequences): steps and warnings scroll as lines
///   above a block redrawn in place, one line per node (phase in colour, elapsed time, latest
///   step) and the current wait;
/// - `lines` (a pipe or file, `NO_COLOR`, `--no-color`, `TERM=dumb`): one timestamped line per
///   event, no escape sequence;
/// - `quiet` (`--quiet`): warnings only.
///
/// Every mutable field is read and written under `lock` only, so one instance serves every
/// thread (the reconciler reports from several at once, the redraw timer from its own).
final class TerminalReporter: ProgressReporter, @unchecked Sendable {
    static let shared = TerminalReporter()

    enum Style { case live, lines, quiet }

    private let lock = NSLock()
    private var style: Style = isatty(STDERR_FILENO) == 1 ? .live : .lines
    private var block = LiveBlock()
    /// Lines of the block now on screen (live style).
    private var drawn = 0
    private var timer: DispatchSourceTimer?
    /// The last line printed per node and for the wait (lines style), so repeats are skipped.
    private var lastLine: [String: String] = [:]

    /// Chooses the style from the flags and the environment; called once, before any output.
    func configure(quiet: Bool, noColor: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let plain = noColor || environment["NO_COLOR"].map { !$0.isEmpty } == true || environment["TERM"] == "dumb"
        lock.withLock {
            style = quiet ? .quiet : (isatty(STDERR_FILENO) == 1 && !plain ? .live : .lines)
        }
    }

    func step(_ message: String) { line("==> " + message, quietToo: false, bold: true) }

    func warning(_ message: String) { line("warning: " + message, quietToo: true, bold: false) }

    /// A debug message (`--verbose`).
    func debug(_ message: String) { line("debug: " + message, quietToo: true, bold: false) }

    func progress(_ message: String) {
        lock.withLock {
            switch style {
            case .quiet: return
            case .lines: printLine(message, key: "", indent: "    ")
            case .live:
                block.wait = message
                redraw()
                startTimer()
            }
        }
    }

    func node(_ node: String, _ phase: NodeProgressPhase, _ detail: String) {
        lock.withLock {
            switch style {
            case .quiet: return
            case .lines: printLine("\(node): \(phase.rawValue): \(detail)", key: "node " + node, indent: "")
            case .live:
                block.update(node, phase, detail)
                redraw()
                startTimer()
            }
        }
    }

    /// Ends the live block where it stands, so the next output starts below it.
    func finishLine() {
        lock.withLock {
            timer?.cancel()
            timer = nil
            guard style == .live, !block.isEmpty else { return }
            redraw()
            block = LiveBlock()
            drawn = 0
        }
    }

    // MARK: output, always under `lock`

    private func line(_ text: String, quietToo: Bool, bold: Bool) {
        lock.withLock {
            switch style {
            case .quiet: if quietToo { write(text + "\n") }
            case .lines: write(Self.timestamp() + " " + text + "\n")
            case .live:
                // The line goes above the block, which is drawn again below it.
                let styled = bold ? Ansi.bold(text) : text
                write(clearBlock() + styled + "\n" + render())
            }
        }
    }

    /// Prints `text` with a timestamp unless it repeats the last line printed for `key`.
    private func printLine(_ text: String, key: String, indent: String) {
        guard lastLine[key] != text else { return }
        lastLine[key] = text
        write(Self.timestamp() + " " + indent + text + "\n")
    }

    private func redraw() {
        write(clearBlock() + render())
    }

    /// Moves to the block's first line and clears to the end of the screen.
    private func clearBlock() -> String {
        defer { drawn = 0 }
        return drawn == 0 ? "" : Ansi.up(drawn) + Ansi.clearToEnd
    }

    /// The block's lines, each cut to the terminal's width so none wraps (a wrapped line would
    /// throw off the count the next redraw moves up by).
    private func render() -> String {
        let lines = block.lines(width: Self.terminalWidth())
        drawn = lines.count
        return lines.map { $0 + "\n" }.joined()
    }

    /// Redraws twice a second while the block is shown, so elapsed times move.
    private func startTimer() {
        guard timer == nil else { return }
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + 0.5, repeating: 0.5)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            self.lock.withLock { if self.style == .live, !self.block.isEmpty { self.redraw() } }
        }
        timer.resume()
        self.timer = timer
    }

    private func write(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardError.write(Data(text.utf8))
    }

    private static func timestamp() -> String {
        var now = timeval()
        gettimeofday(&now, nil)
        var parts = tm()
        var seconds = now.tv_sec
        localtime_r(&seconds, &parts)
        return String(format: "%02d:%02d:%02d.%03d", parts.tm_hour, parts.tm_min, parts.tm_sec, Int(now.tv_usec) / 1000)
    }

    private static func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}
