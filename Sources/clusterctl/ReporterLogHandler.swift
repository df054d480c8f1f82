import Logging

/// Sends ClusterKit's log (its debug lines, with `--verbose`) through the terminal reporter,
/// so log lines and live progress never overwrite each other.
struct ReporterLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        TerminalReporter.shared.debug("\(event.message)")
    }
}
