import ArgumentParser
import ClusterKit
import Foundation

struct SSH: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh",
        abstract: "Open a shell on a cluster node (the scheduler's by default) with the cluster's key and known_hosts.",
        discussion: "After --, a command to run there instead of a shell: clusterctl ssh dev 10.0.0.3 -- uptime. "
            + "This runs OpenSSH's ssh program.")

    @Argument(help: "Cluster name or cluster file.") var cluster: String
    @Argument(help: "The node (default: the scheduler's).") var node: String?
    @Argument(parsing: .postTerminator, help: "A command to run instead of a shell.") var command: [String] = []
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingFailures {
            let argv = try global.controller().sshCommand(ClusterReference.parse(cluster), node: node, command: command)
            // ssh takes over this process, so the terminal is its own.
            var cArguments = argv.map { strdup($0) } + [nil]
            execvp("ssh", &cArguments)
            throw ClusterError("cannot run ssh: \(String(cString: strerror(errno))); install OpenSSH's client (apt-get install openssh-client)")
        }
    }
}
