import ArgumentParser
import ClusterKit
import Foundation

struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the cluster a file describes, or converge it to the file. Idempotent.")

    @Argument(help: "The cluster file.") var file: String
    @Flag(help: "Do not ask for confirmation.") var yes = false
    @Flag(help: "Print the plan and change nothing.") var dryRun = false
    @Option(help: "Seconds to wait for the workers to register.") var timeout: Double = 180
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingFailures {
            let controller = global.controller()
            controller.timeout = timeout
            let result = try controller.up(file: file, dryRun: dryRun)
            TerminalReporter.shared.finishLine()
            if dryRun {
                print(result.plan.isEmpty ? "Nothing to do." : "Plan:\n" + result.plan.lines.joined(separator: "\n"))
                return
            }
            guard let status = result.status else { return }
            if !result.changed { print("Cluster \(status.name) is up to date; nothing changed.") }
            print(ConnectionHelp.text(for: status))
        }
    }
}
