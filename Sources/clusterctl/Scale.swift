import ArgumentParser
import ClusterKit

struct Scale: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set the number of Dask workers; scaling down retires workers gracefully (their data moves first).")

    @Argument(help: "Cluster name or cluster file.") var cluster: String
    @Argument(help: "Dask workers wanted.") var count: Int
    @Flag(help: "Print the plan and change nothing.") var dryRun = false
    @Flag(help: "Do not ask before launching instances that cost money.") var yes = false
    @Option(help: "Seconds to wait for the workers to register.") var timeout: Double = 180
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingFailures {
            let controller = try global.controller()
            controller.timeout = timeout
            let result = try controller.scale(ClusterReference.parse(cluster), to: count, dryRun: dryRun,
                                              confirm: PlanConfirmation.asker(yes: yes, command: "scale"))
            TerminalReporter.shared.finishLine()
            if dryRun {
                print(result.plan.isEmpty ? "Nothing to do." : "Plan:\n" + result.plan.lines.joined(separator: "\n"))
            } else if result.status == nil {
                return
            } else if !result.changed {
                print("The cluster already has \(count) worker\(count == 1 ? "" : "s"); nothing changed.")
            } else {
                print("Scaled to \(count) worker\(count == 1 ? "" : "s").")
            }
        }
    }
}
