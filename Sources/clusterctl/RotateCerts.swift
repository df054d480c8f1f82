import ArgumentParser
import ClusterKit

struct RotateCerts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-certs",
        abstract: "Replace a TLS cluster's certificates while it runs, restarting nothing.",
        discussion: "Every node and the client get new certificates and keys; the scheduler, workers and nannies "
            + "read them again, so data held in memory stays. With --new-authority the cluster's certificate "
            + "authority is replaced too (in three steps, so no party stops trusting another); after it, "
            + "certificates of the old authority are refused. Clients connect with the new files from now on.")

    @Argument(help: "Cluster name or cluster file.") var cluster: String
    @Flag(help: "Also replace the cluster's certificate authority.") var newAuthority = false
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingFailures {
            let nodes = try global.controller().rotateCertificates(ClusterReference.parse(cluster), newAuthority: newAuthority)
            TerminalReporter.shared.finishLine()
            print("New certificates on \(nodes) node\(nodes == 1 ? "" : "s") and for the client"
                  + (newAuthority ? ", from a new authority." : "."))
        }
    }
}
