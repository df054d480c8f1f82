import ArgumentParser
import ClusterKit

struct Restart: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restart a cluster's workers, clearing their memory (as Client.restart does), and wait for them.")

    @Argument(help: "Cluster name or cluster file.") var cluster: String
    @Option(help: "Seconds to wait for the workers to come back.") var timeout: Double = 180
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingFailures {
            let controller = try global.controller()
            controller.timeout = timeout
            let workers = try controller.restartWorkers(ClusterReference.parse(cluster))
            TerminalReporter.shared.finishLine()
            print("Restarted: \(workers) worker\(workers == 1 ? "" : "s") registered again.")
        }
    }
}
