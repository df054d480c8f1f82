import ArgumentParser
import ClusterKit
import Foundation

struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the logs of a cluster's services, each line prefixed by its service.")

    @Argument(help: "Cluster name or cluster file.") var cluster: String
    @Option(help: "Only services on this node (or with this service name).") var node: String?
    @Option(help: "Only the scheduler or only the workers.") var role: RoleChoice?
    @Option(help: "Lines to show from the end of each log.") var tail: Int = 100
    @Flag(name: [.short, .long], help: "Keep printing new lines until interrupted.") var follow = false
    @OptionGroup var global: GlobalOptions

    enum RoleChoice: String, ExpressibleByArgument, CaseIterable {
        case scheduler, worker
    }

    func run() throws {
        try reportingFailures {
            guard tail >= 0 else { throw ClusterError.usage("--tail must be 0 or more") }
            try global.controller().logs(ClusterReference.parse(cluster), role: role.map { ServiceRole(rawValue: $0.rawValue)! },
                                         node: node, tail: tail, follow: follow) { line in
                StreamedOutput.write(line)
            }
        }
    }
}
