import ArgumentParser
import ClusterKit
import Foundation

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Directory that holds all cluster state (default: CLUSTERCTL_HOME, else $XDG_STATE_HOME/clusterctl).", valueName: "DIR"))
    var home: String?
    @Option(name: .long, help: ArgumentHelp("Keep cluster state in S3 instead of the state home (default: CLUSTERCTL_STATE; "
                                            + "a cluster file's provider.state also sets it).", valueName: "s3://BUCKET/PREFIX"))
    var state: String?

    /// A controller on the chosen state home and state location, reporting to the terminal.
    func controller() throws -> ClusterController {
        try ClusterController(homes: Homes.resolve(home: home), reporter: TerminalReporter.shared,
                              stateURL: state ?? ProcessInfo.processInfo.environment["CLUSTERCTL_STATE"])
    }
}

/// `--output` choices.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}
