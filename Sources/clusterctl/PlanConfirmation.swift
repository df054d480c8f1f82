import ClusterKit
import Foundation

/// Asks before a plan creates what costs money or undoes a `clusterctl scale`: shows the plan
/// (with its estimated cost when it launches instances), then asks on a terminal; `--yes` skips
/// the question; with no terminal and no `--yes` nothing is changed.
enum PlanConfirmation {
    static func asker(yes: Bool, command: String) -> (Plan) throws -> Bool {
        { plan in
            TerminalReporter.shared.finishLine()
            var text = "Plan:\n" + plan.lines.joined(separator: "\n")
            if plan.launches {
                let cost = plan.launchedHourlyCost.map { String(format: "about $%.2f per hour for the new instances (on-demand, us-east-1 list prices)", $0) }
                    ?? "unknown per hour (an instance type is not in clusterctl's price table)"
                text += "\nEstimated cost: \(cost)."
            }
            printError(text)
            if yes { return true }
            let nothing = plan.launches && plan.undoesScale == nil ? "Nothing was created." : "Nothing was changed."
            guard isatty(STDIN_FILENO) == 1 else {
                var reasons: [String] = []
                if let undo = plan.undoesScale {
                    reasons.append("undo `clusterctl scale` (\(undo.scaled) workers back to the \(undo.fileCount) in \(undo.file))")
                }
                if plan.launches { reasons.append("launch instances that cost money") }
                var hint = "Pass --yes to confirm when not at a terminal"
                if let undo = plan.undoesScale {
                    hint += ", or set workers.count: \(undo.scaled) in \(undo.file) to keep the scaled count"
                }
                throw ClusterError.usage("\(command) would \(reasons.joined(separator: " and ")); "
                                         + nothing.prefix(1).lowercased() + nothing.dropFirst().dropLast() + ". " + hint)
            }
            let question = plan.undoesScale != nil
                ? (plan.launches ? "Undo the scale and launch them? [y/N] " : "Undo the scale? [y/N] ")
                : "Launch them? [y/N] "
            FileHandle.standardError.write(Data(question.utf8))
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                print(nothing)
                return false
            }
            return true
        }
    }
}
