import Foundation
import Testing
@testable import ClusterKit

/// The bootstrap's offline path through `LocalRunner` on this machine, where uv is on PATH
/// (the ssh test hosts' sessions have only pip): the first pass asks for wheels, they come
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
            wheels: wheels, wheelhouse: Wheelhouse(root: directory.appendingPathComponent("cache"))) { steps.append($0) }

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
}
