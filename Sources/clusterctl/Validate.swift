import ArgumentParser
import ClusterKit

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a cluster file and print it resolved, with every default filled in.")

    @Argument(help: "The cluster file.") var file: String

    func run() throws {
        try reportingFailures {
            let spec = try SpecLoader.load(path: file)
            print(ResolvedSpecPrinter.render(spec), terminator: "")
        }
    }
}
