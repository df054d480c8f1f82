import Foundation
import Testing
@testable import ClusterKit

/// The bootstrap's offline path through `LocalRunner` on this machine (the script an SSH runner
/// runs, with `PATH` set the way a node's would be): the first pass asks for wheels, they come
/// from a wheelhouse cache of the test's own, and the second pass installs them with
/// `uv pip install --offline --no-index`.
@Suite struct OfflineInstallTests {
    @Test func uvInstallsFromShippedWheelsWithNoIndex() throws {
        let uv = try LocalRunner().run("command -v uv", timeout: 10)
        try #require(uv.exitCode == 0, "uv is not on PATH here")
        let directory = try SpecFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var spec = EnvironmentSpec(base: .minimal)
        spec.offline = .on
        let wheels = directory.appendingPathComponent("node/wheelhouse").path
        var steps: [String] = []
        let environment = try EnvironmentInstaller(runner: LocalRunner()).prepare(
            spec, directory: directory.appendingPathComponent("node/env").path, allowSystemInstall: false,
            wheels: wheels, wheelhouse: Wheelhouse(root: directory.appendingPathComponent("cache"))) { steps.append($0) }.path

        #expect(steps.contains("environment.offline: on: wheels come from this machine"), "\(steps)")
        #expect(steps.contains { $0.hasPrefix("wheelhouse: fetching ") } || steps.contains { $0.hasPrefix("wheelhouse: using ") }, "\(steps)")
        #expect(steps.contains("packages installed with no index, from the wheels in \(wheels)"), "\(steps)")
        let shipped = try FileManager.default.contentsOfDirectory(atPath: wheels)
        #expect(shipped.contains { $0.hasPrefix("distributed-2026.8.0-") }, "\(shipped)")
        let check = try LocalRunner().run(ShellQuote.join([environment + "/bin/python", "-c", "import distributed; print(distributed.__version__)"]),
                                          timeout: 120)
        #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2026.8.0", "\(check)")

        // Built once: a second prepare reuses it and asks for nothing.
        var again: [String] = []
        _ = try EnvironmentInstaller(runner: LocalRunner()).prepare(
            spec, directory: directory.appendingPathComponent("node/env").path, allowSystemInstall: false,
            wheels: wheels, wheelhouse: Wheelhouse(root: directory.appendingPathComponent("cache"))) { again.append($0) }
        #expect(!again.contains { $0.contains("wheel") }, "\(again)")
    }

    /// A node with no uv (`PATH` without it): uv's wheel is fetched and shipped with the rest,
    /// the bootstrap takes the binary out of it and uv, not pip, builds the environment; a
    /// rebuild later asks for the same wheels (uv's included) and finds them all there.
    @Test func uvTravelsToANodeThatHasNone() throws {
        let system = "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
        let probe = try EnvironmentRunner(system).run("command -v uv || echo none", timeout: 10)
        try #require(probe.stdout.contains("none"), "uv is on the system PATH here: \(probe.stdout)")
        let directory = try SpecFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var spec = EnvironmentSpec(base: .minimal)
        spec.offline = .on
        let wheels = directory.appendingPathComponent("node/wheelhouse").path
        let cache = Wheelhouse(root: directory.appendingPathComponent("cache"))
        var steps: [String] = []
        let environment = try EnvironmentInstaller(runner: EnvironmentRunner(system)).prepare(
            spec, directory: directory.appendingPathComponent("node/env").path, allowSystemInstall: false,
            wheels: wheels, wheelhouse: cache) { steps.append($0) }
        #expect(steps.contains("the node has no uv: uv's wheel travels too, and installs the rest faster than pip"), "\(steps)")
        #expect(steps.contains { $0.hasPrefix("uv taken out of its shipped wheel (uv-") }, "\(steps)")
        #expect(FileManager.default.isExecutableFile(atPath: wheels + "/.bin/uv"))
        // uv's environments have no pip of their own; pip's venv would.
        #expect(!FileManager.default.fileExists(atPath: environment.path + "/bin/pip"), "pip built the environment")
        let check = try LocalRunner().run(ShellQuote.join([environment.path + "/bin/python", "-c", "import distributed"]), timeout: 120)
        #expect(check.exitCode == 0, "\(check)")

        try FileManager.default.removeItem(atPath: environment.path)
        var again: [String] = []
        _ = try EnvironmentInstaller(runner: EnvironmentRunner(system)).prepare(
            spec, directory: environment.path, allowSystemInstall: false, wheels: wheels, wheelhouse: cache) { again.append($0) }
        #expect(again.contains { $0.hasPrefix("all ") && $0.hasSuffix("nothing to ship") }, "\(again)")
        #expect(!again.contains { $0.hasPrefix("wheelhouse: fetching") }, "\(again)")
    }

    /// `auto` on a node whose index does not answer (`UV_DEFAULT_INDEX` at a closed port):
    /// the bootstrap says so and asks for wheels; on a node whose installers are told to need
    /// no index (`UV_OFFLINE`, as the EC2 sandbox's sessions are), it neither checks the index
    /// (`PIP_INDEX_URL`, which the check would read, is closed too) nor asks for wheels, and uv
    /// installs from its own cache as before.
    @Test func autoShipsOnlyWhereTheIndexIsOutOfReachAndNoLocalSourceIsSet() throws {
        let directory = try SpecFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spec = EnvironmentSpec(base: .minimal)
        let wheelhouse = Wheelhouse(root: directory.appendingPathComponent("cache"))
        let closedIndex = "UV_DEFAULT_INDEX=http://127.0.0.1:9/simple"

        // Warms uv's cache from the index, as a node that installs offline on its own would have it.
        _ = try EnvironmentInstaller(runner: LocalRunner()).prepare(
            spec, directory: directory.appendingPathComponent("warm/env").path, allowSystemInstall: false)

        var steps: [String] = []
        _ = try EnvironmentInstaller(runner: EnvironmentRunner(closedIndex)).prepare(
            spec, directory: directory.appendingPathComponent("cut-off/env").path, allowSystemInstall: false,
            wheels: directory.appendingPathComponent("cut-off/wheelhouse").path, wheelhouse: wheelhouse) { steps.append($0) }
        // The reason is the index's own error, after three tries.
        #expect(steps.contains { $0.hasPrefix("the package index is out of reach from this node (http://127.0.0.1:9/simple: ")
                && $0.contains("Connection refused, 3 tries): wheels come from this machine") }, "\(steps)")
        #expect(steps.contains { $0.hasPrefix("packages installed with no index") }, "\(steps)")

        var local: [String] = []
        let built = try EnvironmentInstaller(runner: EnvironmentRunner("PIP_INDEX_URL=http://127.0.0.1:9/simple UV_OFFLINE=1")).prepare(
            spec, directory: directory.appendingPathComponent("own-cache/env").path, allowSystemInstall: false,
            wheels: directory.appendingPathComponent("own-cache/wheelhouse").path, wheelhouse: wheelhouse) { local.append($0) }.path
        #expect(!local.contains { $0.contains("wheel") || $0.contains("index") }, "\(local)")
        #expect(FileManager.default.fileExists(atPath: built + "/.clusterctl-ready"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("own-cache/wheelhouse").path))
    }
}

/// A `LocalRunner` whose commands run with extra environment variables, standing for a node
/// whose login environment sets them.
final class EnvironmentRunner: CommandRunner {
    let host = "localhost"
    private let local = LocalRunner()
    private let assignments: String

    /// `assignments`: `NAME=value` words for `env`.
    init(_ assignments: String) { self.assignments = assignments }

    func run(_ command: String, input: Data?, timeout: Double) throws -> CommandResult {
        try local.run("env \(assignments) /bin/sh -c \(ShellQuote.quote(command))", input: input, timeout: timeout)
    }

    func stream(_ command: String, onOutput: @escaping (String) -> Void) throws -> Int32 {
        try local.stream("env \(assignments) /bin/sh -c \(ShellQuote.quote(command))", onOutput: onOutput)
    }

    func upload(_ contents: Data, to path: String, mode: Int) throws { try local.upload(contents, to: path, mode: mode) }

    func forward(to remoteHost: String, port remotePort: Int, localPort: Int) throws -> PortForward {
        try local.forward(to: remoteHost, port: remotePort, localPort: localPort)
    }
}
