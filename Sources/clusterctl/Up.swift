import ArgumentParser
import ClusterKit
import Foundation

/// Where `up --until` stops.
enum UpUntil: String, ExpressibleByArgument {
    case launched, running

    var phase: NodePhase { self == .launched ? .requested : .running }
}

struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the cluster a file describes, or converge it to the file. Idempotent.")

    @Argument(help: "The cluster file.") var file: String
    @Flag(help: "Do not ask before launching instances that cost money or undoing a `clusterctl scale`.") var yes = false
    @Flag(help: "Print the plan and change nothing.") var dryRun = false
    @Option(help: ArgumentHelp("Stop once every new instance is launched or running; a later `up` carries on.",
                               valueName: "launched|running"))
    var until: UpUntil?
    @Option(help: "Seconds to wait for the workers to register.") var timeout: Double = 180
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingFailures {
            let controller = try global.controller()
            controller.timeout = timeout
            let result = try controller.up(file: file, dryRun: dryRun, until: until?.phase,
                                           confirm: PlanConfirmation.asker(yes: yes, command: "up"))
            TerminalReporter.shared.finishLine()
            if dryRun {
                try PlanOutput.print(result.plan, as: .table)
                return
            }
            guard let status = result.status else {
                if let until, result.changed {
                    print("Stopped with every new instance \(until.rawValue); run `clusterctl up \(file)` to carry on.")
                }
                return
            }
            if !result.changed { print("Cluster \(status.name) is up to date; nothing changed.") }
            print(ConnectionHelp.text(for: status))
        }
    }
}
