import ArgumentParser
import ClusterKit
import Foundation

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a cluster's scheduler, workers (desired vs registered) and services.")

    @Argument(help: "Cluster name or cluster file.") var cluster: String
    @Option(help: "table or json.") var output: OutputFormat = .table
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingFailures {
            let status = try global.controller().status(ClusterReference.parse(cluster))
            switch output {
            case .json: print(try JSONText.encode(status))
            case .table: print(StatusTable.render(status))
            }
        }
    }
}

/// Pretty, stable JSON for `--output json`.
enum JSONText {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
