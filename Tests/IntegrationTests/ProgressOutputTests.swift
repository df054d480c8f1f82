import Foundation
import Testing

/// What `up` shows while it works, on a terminal (a pseudo-terminal made by `script`) and on a
/// pipe: every node's phases, live in place on the one, timestamped lines on the other; no
/// escape sequence with NO_COLOR or on a pipe; `--quiet` and `--verbose`.
struct ProgressOutputTests {
    static let phases = ["connecting", "environment", "services", "registered"]

    /// The text with ANSI escape sequences removed, split into lines (a redraw's lines too).
    static func plainLines(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\u{1B}\\[[0-9;]*[A-Za-z]", with: "", options: .regularExpression)
            .replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n").map(String.init)
    }

    /// The (node, phase) pairs of `nodes` x `phases` that no line of `text` shows.
    static func missingPhases(_ text: String, nodes: [String], timestamped: Bool) -> [String] {
        let lines = plainLines(text)
        var missing: [String] = []
        for node in nodes {
            for phase in phases {
                let found = lines.contains { line in
                    if timestamped {
                        return line.range(of: "^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} \(node): \(phase): ",
                                          options: .regularExpression) != nil
                    }
                    let words = line.split(separator: " ")
                    return words.contains { $0 == node } && words.contains { $0 == phase }
                }
                if !found { missing.append("\(node) \(phase)") }
            }
        }
        return missing
    }

    /// `clusterctl ARGS` run on a pseudo-terminal by `script`; its output is what the terminal got.
    static func onTerminal(_ cluster: LocalClusterHarness, _ arguments: [String],
                           environment: [String: String] = [:]) throws -> CapturedRun {
        let command = ([LocalClusterHarness.binary] + arguments).map { "'" + $0 + "'" }.joined(separator: " ")
        return try CapturedRun.of("script", ["-q", "-e", "-c", command, "/dev/null"],
                                  environment: ["CLUSTERCTL_HOME": cluster.home.path,
                                                "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates, "TERM": "xterm",
                                                // (the test runner may set it; empty means unset)
                                                "NO_COLOR": ""]
                                      .merging(environment) { $1 },
                                  timeout: 600)
    }

    static func down(_ cluster: LocalClusterHarness) throws -> Bool {
        let down = try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300)
        #expect(down.status == 0, "down:\n\(down.all)")
        return down.status == 0
    }

    @Test func upShowsEveryNodesPhasesOnATerminalAndOnAPipe() throws {
        let nodes = ["127.0.0.11", "127.0.0.12", "127.0.0.13"]
        let pool = try SSHHostPool(addresses: nodes)
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "progress")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: nodes[0], workers: Array(nodes.dropFirst()), count: 2)

        // A pipe: one timestamped line per event, no escape sequence.
        let piped = try cluster.clusterctl(["up", file], timeout: 600)
        try #require(piped.status == 0, "up:\n\(piped.all)")
        #expect(Self.missingPhases(piped.stderr, nodes: nodes, timestamped: true).isEmpty,
                "missing \(Self.missingPhases(piped.stderr, nodes: nodes, timestamped: true)) in:\n\(piped.stderr)")
        #expect(!piped.all.contains("\u{1B}"), "an escape sequence on a pipe:\n\(piped.stderr)")
        #expect(piped.stderr.contains("gives up after 180 s"), "the wait names its deadline:\n\(piped.stderr)")
        #expect(try cluster.python(LocalClusterLifecycleTests.computeScript).stdout.contains("RESULT -285"))
        try #require(try Self.down(cluster))

        // A terminal: the live block, redrawn in place, passes through every phase of every node.
        let live = try Self.onTerminal(cluster, ["up", file])
        try #require(live.status == 0, "up on a terminal:\n\(live.stdout)")
        #expect(Self.missingPhases(live.stdout, nodes: nodes, timestamped: false).isEmpty,
                "missing \(Self.missingPhases(live.stdout, nodes: nodes, timestamped: false)) in:\n\(live.stdout)")
        #expect(live.stdout.contains("\u{1B}[32mregistered"), "no coloured phase on a terminal:\n\(live.stdout)")
        #expect(live.stdout.contains("Cluster \(cluster.name) is up"))
        try #require(try Self.down(cluster))

        // NO_COLOR on a terminal: the same phases as plain lines, not one escape sequence.
        let plain = try Self.onTerminal(cluster, ["up", file], environment: ["NO_COLOR": "1"])
        try #require(plain.status == 0, "up with NO_COLOR:\n\(plain.stdout)")
        #expect(!plain.stdout.contains("\u{1B}"), "an escape sequence with NO_COLOR:\n\(plain.stdout)")
        #expect(Self.missingPhases(plain.stdout, nodes: nodes, timestamped: true).isEmpty,
                "missing \(Self.missingPhases(plain.stdout, nodes: nodes, timestamped: true)) in:\n\(plain.stdout)")

        // --quiet: the result and nothing of the progress; --verbose: the commands run on the nodes.
        let quiet = try cluster.clusterctl(["scale", cluster.name, "1", "--quiet"], timeout: 300)
        #expect(quiet.status == 0, "scale --quiet:\n\(quiet.all)")
        #expect(quiet.stderr.isEmpty, "scale --quiet printed progress:\n\(quiet.stderr)")
        #expect(quiet.stdout.contains("Scaled to 1 worker"), "scale --quiet lost its result:\n\(quiet.stdout)")
        let verbose = try cluster.clusterctl(["status", cluster.name, "--verbose"])
        #expect(verbose.status == 0, "status --verbose:\n\(verbose.all)")
        #expect(verbose.stderr.contains("debug: \(nodes[0]): connected as"), "status --verbose:\n\(verbose.stderr)")
        #expect(verbose.stderr.range(of: "debug: \(nodes[1]): exit 0 in [0-9.]+ s: ", options: .regularExpression) != nil,
                "status --verbose:\n\(verbose.stderr)")
        #expect(try Self.down(cluster))
    }
}
