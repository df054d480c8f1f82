import ArgumentParser
import ClusterKit
import Foundation

struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a shell command on a cluster's nodes, output prefixed by host, then a summary of exit codes.")

    @Argument(help: "Cluster name or cluster file.") var cluster: String
    @Option(help: "Only this node.") var node: String?
    @Argument(parsing: .postTerminator, help: "The command, after --.") var command: [String] = []
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingFailures {
            guard !command.isEmpty else { throw ClusterError.usage("give the command after --, e.g. clusterctl exec dev -- uptime") }
            let results = try global.controller().exec(ClusterReference.parse(cluster), node: node,
                                                       command: command.joined(separator: " ")) { line in
                StreamedOutput.write(line)
            }
            var failed = 0
            FileHandle.standardError.write(Data("exit codes:\n".utf8))
            for result in results {
                let text = result.status.map(String.init) ?? "failed: \(result.error ?? "unknown")"
                if result.status != 0 { failed += 1 }
                FileHandle.standardError.write(Data("  \(result.node): \(text)\n".utf8))
            }
            if failed > 0 {
                throw ClusterError("the command failed on \(failed) of \(results.count) node\(results.count == 1 ? "" : "s")")
            }
        }
    }
}
