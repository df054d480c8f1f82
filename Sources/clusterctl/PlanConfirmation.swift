import ClusterKit
import Foundation

/// Asks before a plan creates what costs money: shows the plan and its estimated cost, then
/// asks on a terminal; `--yes` skips the question; with no terminal and no `--yes` nothing is
/// created.
enum PlanConfirmation {
    static func asker(yes: Bool, command: String) -> (Plan) throws -> Bool {
        { plan in
            TerminalReporter.shared.finishLine()
            let cost = plan.launchedHourlyCost.map { String(format: "about $%.2f per hour for the new instances (on-demand, us-east-1 list prices)", $0) }
                ?? "unknown per hour (an instance type is not in clusterctl's price table)"
            printError("Plan:\n" + plan.lines.joined(separator: "\n") + "\nEstimated cost: \(cost).")
            if yes { return true }
            guard isatty(STDIN_FILENO) == 1 else {
                throw ClusterError.usage("\(command) would launch instances that cost money; nothing was created. "
                                         + "Pass --yes to confirm when not at a terminal")
            }
            FileHandle.standardError.write(Data("Launch them? [y/N] ".utf8))
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                print("Nothing was created.")
                return false
            }
            return true
        }
    }
}
