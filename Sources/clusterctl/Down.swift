import ArgumentParser
import ClusterKit
import Foundation

struct Down: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop every service of a cluster. Idempotent: nothing is left running.")

    @Argument(help: "Cluster name or cluster file.") var cluster: String
    @Flag(help: "Do not ask for confirmation.") var yes = false
    @Flag(help: "Also remove what clusterctl installed on the nodes (environments, units, logs) and forget the cluster.")
    var purge = false
    @Option(help: ArgumentHelp("First copy every service's log into DIR (or s3://BUCKET/PREFIX), as <cluster>-<time>/<node>/<service>.log.",
                               valueName: "DIR"))
    var collectLogs: String?
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingFailures {
            let reference = ClusterReference.parse(cluster)
            let name = try reference.resolveName()
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    throw ClusterError.usage("down stops cluster \(name); pass --yes to confirm when not at a terminal")
                }
                FileHandle.standardError.write(Data("Stop every service of cluster \(name)? [y/N] ".utf8))
                guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                    print("Nothing stopped.")
                    return
                }
            }
            let stopped = try global.controller().down(reference, purge: purge, collectLogs: collectLogs) { place in
                TerminalReporter.shared.finishLine()
                print("Logs collected in \(place).")
            }
            TerminalReporter.shared.finishLine()
            print(stopped ? "Cluster \(name) is down." : "Cluster \(name) was already down; nothing to do.")
            if purge { print("Removed what clusterctl installed for \(name).") }
        }
    }
}
