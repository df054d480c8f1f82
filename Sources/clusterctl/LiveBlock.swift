import ClusterKit
import Foundation

/// What the live progress block shows: one row per node in the order they first reported
/// (phase, time since that node started, latest step), then the current wait.
struct LiveBlock {
    private struct Row {
        var node: String
        var phase: NodeProgressPhase
        var detail: String
        var started: Date
        /// When the node reached `registered` or `failed`: its clock stops there.
        var ended: Date?
    }

    private var rows: [Row] = []
    /// The wait going on (workers registering, instances starting), shown last.
    var wait: String?

    var isEmpty: Bool { rows.isEmpty && wait == nil }

    mutating func update(_ node: String, _ phase: NodeProgressPhase, _ detail: String, now: Date = Date()) {
        let ended: Date? = phase == .registered || phase == .failed ? now : nil
        if let index = rows.firstIndex(where: { $0.node == node }) {
            rows[index].phase = phase
            rows[index].detail = detail
            rows[index].ended = ended
        } else {
            rows.append(Row(node: node, phase: phase, detail: detail, started: now, ended: ended))
        }
    }

    /// The block's lines, none longer than `width` columns; phases in colour.
    func lines(width: Int, now: Date = Date()) -> [String] {
        let nodeWidth = min(rows.map(\.node.count).max() ?? 0, 24)
        let phaseWidth = NodeProgressPhase.allCases.map(\.rawValue.count).max() ?? 0
        var lines = rows.map { row -> String in
            let node = row.node.count > nodeWidth ? String(row.node.prefix(nodeWidth - 1)) + "…" : row.node
            let elapsed = String(format: "%6.1fs", (row.ended ?? now).timeIntervalSince(row.started))
            let head = "  " + node.padding(toLength: nodeWidth, withPad: " ", startingAt: 0) + "  "
            let phase = row.phase.rawValue.padding(toLength: phaseWidth, withPad: " ", startingAt: 0)
            let tail = "  " + elapsed + "  " + row.detail
            let room = max(width - 1 - head.count - phase.count, 0)
            return head + Ansi.color(phase, for: row.phase) + Self.cut(tail, to: room)
        }
        if let wait { lines.append(Self.cut("    " + wait, to: width - 1)) }
        return lines
    }

    private static func cut(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(width - 1, 0))) + "…"
    }
}

/// The few ANSI escape sequences the live block uses.
enum Ansi {
    static let clearToEnd = "\u{1B}[J"

    /// Moves the cursor up `lines` lines, to the first column.
    static func up(_ lines: Int) -> String { "\u{1B}[\(lines)F" }

    static func bold(_ text: String) -> String { "\u{1B}[1m" + text + "\u{1B}[0m" }

    static func color(_ text: String, for phase: NodeProgressPhase) -> String {
        let code: String
        switch phase {
        case .launching, .connecting: code = "33"
        case .environment: code = "36"
        case .services: code = "34"
        case .registered: code = "32"
        case .failed: code = "31"
        }
        return "\u{1B}[\(code)m" + text + "\u{1B}[0m"
    }
}
