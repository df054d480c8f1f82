import ArgumentParser
import ClusterKit

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the clusters in the state home.")

    @Option(help: "table or json.") var output: OutputFormat = .table
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingFailures {
            let clusters = try global.controller().list()
            switch output {
            case .json:
                print(try JSONText.encode(clusters))
            case .table:
                if clusters.isEmpty {
                    print("No clusters. `clusterctl up FILE` creates one.")
                    return
                }
                print(StatusTable.table([["NAME", "PROVIDER", "PHASE", "WORKERS", "SCHEDULER"]] + clusters.map {
                    [$0.name, $0.provider, $0.phase, "\($0.workers.registered)/\($0.workers.desired)", $0.scheduler.address]
                }).joined(separator: "\n"))
            }
        }
    }
}
