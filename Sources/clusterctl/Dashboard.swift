import ArgumentParser
import ClusterKit
import Dispatch
import Foundation

struct Dashboard: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring a cluster's dashboard to this machine and print its URL.",
        discussion: "For an ssh or ec2 cluster, forwards a local port over SSH to the scheduler's HTTP server, which "
            + "listens on its node's loopback only, prints http://127.0.0.1:PORT/status once the tunnel answers, and "
            + "keeps forwarding until interrupted (Ctrl-C or SIGTERM). For a local cluster it prints the URL.")

    @Argument(help: "Cluster name or cluster file.") var cluster: String
    @Option(help: "Local port (default: the dashboard's own port if free on 127.0.0.1, else any free port; 0: any free port).")
    var port: Int?
    @Flag(help: "Also open the page in a browser (xdg-open, or open on macOS).") var open = false
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingFailures {
            let dashboard = try global.controller().dashboard(ClusterReference.parse(cluster), localPort: port)
            defer { dashboard.close() }
            // Taken over before the URL is printed, so a signal from then on ends the command cleanly.
            let stop = StopSignals([SIGINT, SIGTERM])
            TerminalReporter.shared.finishLine()
            print(dashboard.url)
            fflush(nil)  // every C stream, stdout among them (the global is not concurrency-safe)
            if open, let problem = BrowserLauncher.open(dashboard.url) {
                printError("could not open a browser: \(problem)")
            }
            guard let remote = dashboard.remote else { return }
            printError("Forwarding 127.0.0.1:\(dashboard.localPort) to \(remote) on \(dashboard.schedulerHost); Ctrl-C stops.")
            dashboard.serve(until: stop.semaphore)
        }
    }
}

/// SIGINT and SIGTERM turned into a semaphore signal instead of ending the process.
final class StopSignals {
    let semaphore = DispatchSemaphore(value: 0)
    private var sources: [DispatchSourceSignal] = []

    init(_ signals: [Int32]) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [semaphore] in semaphore.signal() }
            source.resume()
            sources.append(source)
        }
    }
}
