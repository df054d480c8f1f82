import Foundation
import Testing
@testable import ClusterKit

/// A new environment of an interpreter and package set this host built before gets its
/// bytecode from the list of files the first one's services' imports loaded, compiled in
/// parallel without importing anything.
@Suite struct BytecodeListTests {
    @Test func aSecondEnvironmentCompilesTheListedFilesOnly() throws {
        let directory = try SpecFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A package set of this test's own (toolz is in the minimal set already), so that no
        // other test's environments share its list.
        let spec = EnvironmentSpec(base: .minimal, packages: ["toolz", "tblib"])
        let installer = EnvironmentInstaller(runner: LocalRunner())
        let first = try installer.prepare(spec, directory: directory.appendingPathComponent("a/env").path,
                                          allowSystemInstall: false).path
        let stamp = try String(contentsOfFile: first + "/.clusterctl-ready", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.cache")
        let list = cache + "/clusterctl/bytecode-lists/\(stamp).txt"
        let listed = try String(contentsOfFile: list, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(listed.contains("distributed/__init__.py") && listed.contains("distributed/scheduler.py"), "\(listed.prefix(20))")

        // The next environment compiles what the list names, and nothing else.
        try "distributed/__init__.py\n".write(toFile: list, atomically: true, encoding: .utf8)
        defer { try? (listed.joined(separator: "\n") + "\n").write(toFile: list, atomically: true, encoding: .utf8) }
        let second = try installer.prepare(spec, directory: directory.appendingPathComponent("b/env").path,
                                           allowSystemInstall: false).path
        let compiled = try FileManager.default.subpathsOfDirectory(atPath: second + "/lib")
            .filter { $0.contains("/site-packages/distributed/__pycache__/") }
        #expect(compiled.contains { $0.hasSuffix("/__init__.cpython-\(Self.tag(first)).pyc") }, "\(compiled)")
        #expect(!compiled.contains { $0.contains("/scheduler.cpython-") }, "\(compiled)")
    }

    /// `311` for an environment of Python 3.11.
    static func tag(_ environment: String) -> String {
        let lib = (try? FileManager.default.contentsOfDirectory(atPath: environment + "/lib"))?.first { $0.hasPrefix("python3") } ?? ""
        return lib.replacingOccurrences(of: "python", with: "").replacingOccurrences(of: ".", with: "")
    }
}
