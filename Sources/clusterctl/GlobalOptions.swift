import ArgumentParser
import ClusterKit

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Directory that holds all cluster state (default: CLUSTERCTL_HOME, else $XDG_STATE_HOME/clusterctl).", valueName: "DIR"))
    var home: String?

    /// A controller on the chosen state home, reporting to the terminal.
    func controller() -> ClusterController {
        ClusterController(homes: Homes.resolve(home: home), reporter: TerminalReporter.shared)
    }
}

/// `--output` choices.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}
