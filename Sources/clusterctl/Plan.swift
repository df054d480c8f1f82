import ArgumentParser
import ClusterKit

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print what `up FILE` would change, changing nothing (the same as `up FILE --dry-run`).")

    @Argument(help: "The cluster file.") var file: String
    @Option(help: "table or json.") var output: OutputFormat = .table
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingFailures {
            let result = try global.controller().up(file: file, dryRun: true)
            TerminalReporter.shared.finishLine()
            try PlanOutput.print(result.plan, as: output)
        }
    }
}

/// How `plan` and `up --dry-run` print a plan.
enum PlanOutput {
    static func print(_ plan: Plan, as format: OutputFormat) throws {
        switch format {
        case .json:
            Swift.print(try JSONText.encode(plan))
        case .table:
            Swift.print(plan.isEmpty ? "Nothing to do." : "Plan:\n" + plan.lines.joined(separator: "\n"))
            if let cost = plan.launchedHourlyCost, plan.launches {
                Swift.print(String(format: "Estimated cost of the new instances: about $%.2f per hour.", cost))
            }
        }
    }
}
