import ArgumentParser
import ClusterKit

struct GC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "List (and with --yes remove) EC2 resources tagged by clusterctl whose cluster no state knows.")

    @Option(help: ArgumentHelp("Region to search instead of AWS_REGION or the profile's.", valueName: "REGION"))
    var region: String?
    @Option(name: .customLong("endpoint-url"), help: ArgumentHelp("An EC2-compatible endpoint to use instead of AWS.", valueName: "URL"))
    var endpointURL: String?
    @Flag(help: "Remove what is listed: terminate the instances, then delete the security groups and key pairs.")
    var yes = false
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingFailures {
            let controller = try global.controller()
            let collector = try GarbageCollector(known: Set(controller.store.names()), region: region, endpointURL: endpointURL)
            let orphans = try collector.find()
            guard !orphans.isEmpty else {
                print("Nothing to collect in \(collector.region): every clusterctl resource belongs to a known cluster.")
                return
            }
            for orphan in orphans {
                print("cluster \(orphan.cluster) (no state in \(controller.homes.state.path)):")
                orphan.lines.forEach { print("  - " + $0) }
            }
            guard yes else {
                print("Run `clusterctl gc --yes` to remove these.")
                return
            }
            try collector.remove(orphans) { TerminalReporter.shared.step($0) }
            TerminalReporter.shared.finishLine()
            print("Removed what \(orphans.count) unknown cluster\(orphans.count == 1 ? "" : "s") left in \(collector.region).")
        }
    }
}
