import ArgumentParser
import ClusterKit
import Foundation
import Logging

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Directory that holds all cluster state (default: CLUSTERCTL_HOME, else $XDG_STATE_HOME/clusterctl).", valueName: "DIR"))
    var home: String?
    @Option(name: .long, help: ArgumentHelp("Keep cluster state in S3 instead of the state home (default: CLUSTERCTL_STATE; "
                                            + "a cluster file's provider.state also sets it).", valueName: "s3://BUCKET/PREFIX"))
    var state: String?
    @Flag(name: [.short, .long], help: "Print only warnings, errors and the result; no progress.")
    var quiet = false
    @Flag(name: [.short, .long], help: "Also print debug lines: every command run on a node, SSH connections, uploads, state writes.")
    var verbose = false
    @Flag(name: .long, help: "Plain progress lines without colour or redrawing (also when NO_COLOR is set).")
    var noColor = false

    /// Sets up output once the command line is parsed: the progress style and the debug log.
    mutating func validate() throws {
        if quiet, verbose { throw ValidationError("--quiet and --verbose cannot be used together") }
        TerminalReporter.shared.configure(quiet: quiet, noColor: noColor)
        let level: Logger.Level = verbose ? .debug : .warning
        LoggingSystem.bootstrap { _ in ReporterLogHandler(logLevel: level) }
    }

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
