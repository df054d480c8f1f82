import Foundation
import Testing
@testable import ClusterKit

/// A Python travelling to a node that lacks the version `environment.match_client` pins and
/// cannot download one: the request the bootstrap prints, the build kept on this machine, and
/// the whole way through `LocalRunner` (the script an SSH runner runs) with the node's `PATH`
/// holding only the system's Python and no uv.
@Suite struct PythonShippingTests {
    @Test func aNodesRequestIsReadAndNamesTheBuildItNeeds() throws {
        let request = try #require(PythonRequest(bootstrapOutput: "clusterctl-step: python-request\nclusterctl-python-for: 3.12 x86_64 glibc 2.36\n"))
        #expect(request.minor == "3.12" && request.machine == "x86_64" && request.libc == "glibc" && request.libcVersion == "2.36")
        #expect(try request.buildKey() == "cpython-3.12-linux-x86_64-gnu")
        #expect(PythonRequest(bootstrapOutput: "clusterctl-python-for: 3.12 x86_64\n") == nil)
        #expect(PythonRequest(bootstrapOutput: "clusterctl-step: python\n") == nil)

        var musl = request
        musl.libc = "musl"
        #expect(try musl.buildKey() == "cpython-3.12-linux-x86_64-musl")
        for (libc, version, words) in [("glibc", "2.12", "older than the 2.17"), ("unknown", "0", "neither glibc nor musl")] {
            var old = request
            (old.libc, old.libcVersion) = (libc, version)
            #expect { _ = try old.buildKey() } throws: { "\($0)".contains(words) && "\($0)".contains("install Python 3.12 on it") }
        }
    }

    @Test func theNewestInstalledPatchOfTheRightPlatformIsTaken() throws {
        let root = try SpecFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        for name in ["cpython-3.12.1-linux-x86_64-gnu", "cpython-3.12.10-linux-x86_64-gnu", "cpython-3.12.11-linux-aarch64-gnu",
                     "cpython-3.13.0-linux-x86_64-gnu", "cpython-3.12.9-linux-x86_64-musl"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        try Data().write(to: root.appendingPathComponent("cpython-3.12.12-linux-x86_64-gnu"))
        let unused = root.appendingPathComponent("cpython-3.10.4-linux-x86_64-gnu")
        try FileManager.default.createDirectory(at: unused, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -31 * 86400)], ofItemAtPath: unused.path)
        let store = PythonStore(root: root, searchPath: "")
        #expect(store.installed("cpython-3.12-linux-x86_64-gnu") == "cpython-3.12.10-linux-x86_64-gnu")
        #expect(store.installed("cpython-3.11-linux-x86_64-gnu") == nil)
        // With none installed and no uv to install one, the error says what to do.
        #expect {
            _ = try store.archive(for: try #require(PythonRequest(bootstrapOutput: "clusterctl-python-for: 3.11 x86_64 glibc 2.36\n"))) { _ in }
        } throws: { "\($0)".contains("no uv to install one") && "\($0)".contains("Python 3.11 on the node") }
        // Looking for one to install cleared the build no node was sent for 30 days.
        #expect(!FileManager.default.fileExists(atPath: unused.path))
        #expect(store.installed("cpython-3.12-linux-x86_64-gnu") == "cpython-3.12.10-linux-x86_64-gnu")
    }

    /// `Tests/Fixtures/relocatable-python`: a second CPython of this machine (of another minor
    /// version than the system's `python3`), copied into the store as uv lays its builds out, stands
    /// for the python-build-standalone build uv would download (this machine cannot reach GitHub).
    static let relocatable = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/relocatable-python").path
    static let otherPython: (minor: String, prefix: String)? = {
        let words = ((try? LocalRunner().run(ShellQuote.join([relocatable, "find"]), timeout: 30))?.stdout ?? "").split(separator: " ")
        return words.count == 2 ? (String(words[0]), words[1].trimmingCharacters(in: .whitespacesAndNewlines)) : nil
    }()

    @Test(.enabled(if: otherPython != nil, "no second CPython 3.10+ on this machine to stand for a relocatable build"))
    func aNodeWithoutThePinnedPythonGetsItWithUvAndTheWheels() throws {
        let (minor, prefix) = try #require(Self.otherPython)
        let system = "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
        let probe = try EnvironmentRunner(system).run("command -v uv python\(minor) || echo none", timeout: 10)
        try #require(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "none", "the node's PATH has: \(probe.stdout)")
        let directory = try SpecFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let wheelhouse = Wheelhouse(root: directory.appendingPathComponent("cache/wheelhouse"))
        let build = wheelhouse.pythons.root.appendingPathComponent("cpython-\(minor).99-linux-x86_64-gnu")
        let copy = try LocalRunner().run(ShellQuote.join([Self.relocatable, "copy", prefix, minor, build.path]), timeout: 300)
        try #require(copy.exitCode == 0, "\(copy)")

        var spec = EnvironmentSpec(base: .minimal)
        spec.offline = .on
        spec.lockstep = ClientVersions(python: minor, packages: [:])
        let wheels = directory.appendingPathComponent("node/wheelhouse").path
        let node = directory.appendingPathComponent("node")
        var steps: [String] = []
        let environment = try EnvironmentInstaller(runner: EnvironmentRunner(system)).prepare(
            spec, directory: node.appendingPathComponent("env").path, allowSystemInstall: false,
            wheels: wheels, wheelhouse: wheelhouse) { steps.append($0) }
        #expect(steps.contains("the node has no Python \(minor) (environment.match_client) and cannot download one: it comes from this machine"),
                "\(steps)")
        #expect(steps.contains("packing cpython-\(minor).99-linux-x86_64-gnu to ship it"), "\(steps)")
        #expect(steps.contains { $0.hasPrefix("shipping cpython-\(minor).99-linux-x86_64-gnu.tar.gz (") }, "\(steps)")
        #expect(steps.contains { $0.hasPrefix("uv taken out of its shipped wheel (uv-") }, "\(steps)")
        #expect(steps.contains("packages installed with no index, from the wheels in \(wheels)"), "\(steps)")
        // The environment runs on the unpacked build, beside the environment; the archive is gone.
        let unpacked = node.appendingPathComponent("python/cpython-\(minor).99-linux-x86_64-gnu/bin/python\(minor)").path
        #expect(FileManager.default.isExecutableFile(atPath: unpacked))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: wheels + "/pythons")) ?? []).isEmpty)
        let check = try LocalRunner().run(ShellQuote.join([environment.path + "/bin/python", "-c",
                                                           "import sys, distributed; print('%d.%d' % sys.version_info[:2], sys.base_prefix)"]),
                                          timeout: 120)
        #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(minor) \(node.path)/python/cpython-\(minor).99-linux-x86_64-gnu",
                "\(check)")

        // Built again: the unpacked Python is found, nothing is asked for or shipped.
        try FileManager.default.removeItem(atPath: environment.path)
        var again: [String] = []
        _ = try EnvironmentInstaller(runner: EnvironmentRunner(system)).prepare(
            spec, directory: environment.path, allowSystemInstall: false, wheels: wheels, wheelhouse: wheelhouse) { again.append($0) }
        #expect(!again.contains { $0.contains("Python \(minor)") || $0.hasPrefix("shipping") }, "\(again)")
    }
}
