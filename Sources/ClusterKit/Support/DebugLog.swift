import Logging

/// clusterctl's debug log, shown with `--verbose`: every remote and local command with its
/// exit status and duration, SSH connections, uploads and state writes. The command line
/// chooses where it goes (`LoggingSystem.bootstrap`); until then nothing is printed.
let debugLog = Logger(label: "clusterctl")

/// A command as the debug log shows it: its first line, cut to 160 characters (the bootstrap
/// command carries packed files; no secret is ever part of a command).
func debugSummary(_ command: String) -> String {
    let first = command.prefix { $0 != "\n" }
    return first.count > 160 ? first.prefix(159) + "…" : String(first) + (first.count < command.count ? " …" : "")
}
