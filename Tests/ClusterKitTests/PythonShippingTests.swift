import Foundation
import Testing
@testable import ClusterKit

/// A Python travelling to a node that lacks the version `environment.match_client` pins and
/// cannot download one: the request the bootstrap prints and the builds kept on this machine.
/// (The whole way, over real sshd: `OfflineClusterTests.aHostWithoutThePinnedPythonIsShippedOne`.)
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
}
