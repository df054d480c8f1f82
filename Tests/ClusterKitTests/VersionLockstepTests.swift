import Foundation
import Testing
@testable import ClusterKit

/// `environment.match_client`: reading a local interpreter's versions, pinning the environment
/// to them, and the table `up` fails with when a node runs other versions.
@Suite struct VersionLockstepTests {
    static let client = ClientVersions(python: "3.11", packages: [
        "dask": "2026.8.0", "distributed": "2026.8.0", "cloudpickle": "3.1.1", "msgpack": "1.1.0", "tornado": "6.5.1",
        "toolz": "1.0.0",
    ])

    @Test func theFileNamesAnInterpreterOrNone() throws {
        let dir = try SpecFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func load(_ value: String) throws -> ClusterSpec {
            try SpecLoader.load(text: SpecFixture.minimal + "environment:\n  match_client: \(value)\n",
                                file: dir.appendingPathComponent("c.yaml").path)
        }
        #expect(try load("python3").environment.matchClient == "python3")
        #expect(try load("none").environment.matchClient == nil)
        #expect(try load(".venv/bin/python").environment.matchClient == dir.appendingPathComponent(".venv/bin/python").path)
        #expect(try SpecLoader.load(text: SpecFixture.minimal, file: "c.yaml").environment.matchClient == nil)
        let problems = SpecFixture.diagnostics(SpecFixture.minimal + "environment:\n  match_client: \"python3; rm\"\n")
        #expect(problems.count == 1 && problems[0].contains("c.yaml:5:17") && problems[0].contains("match_client"), "\(problems)")
    }

    @Test func theResolvedSpecPrintsItAndLoadsBack() throws {
        var spec = try SpecLoader.load(text: SpecFixture.minimal + "environment:\n  match_client: python3.11\n", file: "c.yaml")
        let printed = ResolvedSpecPrinter.render(spec)
        #expect(printed.contains("  match_client: python3.11"), "\(printed)")
        #expect(try SpecLoader.load(text: printed, file: "c.yaml").environment.matchClient == "python3.11")
        spec.environment.matchClient = nil
        #expect(ResolvedSpecPrinter.render(spec).contains("  match_client: none"))
    }

    @Test func clientPinsReplaceThePinnedSetAndTheFilesOwn() throws {
        var environment = EnvironmentSpec(packages: ["toolz>=0.12", "scipy"])
        environment.lockstep = Self.client
        let packages = try EnvironmentInstaller.packages(for: environment)
        for name in ClientVersions.packageNames {
            #expect(packages.filter { EnvironmentInstaller.packageName($0) == name } == ["\(name)==\(Self.client.packages[name]!)"])
        }
        #expect(packages.contains("numpy==2.3.2") || packages.contains { $0.hasPrefix("numpy==") })
        #expect(packages.contains("scipy"))
    }

    @Test func theLocalInterpreterReportsItsVersions() throws {
        let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
        let versions = try ClientVersions.read(python: python)
        #expect(versions.python.split(separator: ".").count == 2 && versions.python.hasPrefix("3."))
        #expect(versions.packages["distributed"] == "2026.8.0", "\(versions)")
        #expect(Set(versions.packages.keys) == Set(ClientVersions.packageNames))
        let missing = #expect(throws: ClusterError.self) { try ClientVersions.read(python: "no-such-python3.99") }
        #expect(missing?.message.contains("cannot run no-such-python3.99") == true && missing?.message.contains("match_client") == true)
    }

    @Test func sameVersionsAreNoDifferenceWhateverThePatchOfPython() {
        var versions: [String: String?] = Self.client.packages.mapValues { $0 }
        versions["python"] = "3.11.9"
        let reports = [VersionLockstep.Report(node: "10.0.0.1", environment: "/opt/env", versions: versions)]
        #expect(VersionLockstep.differences(client: Self.client, reports: reports).isEmpty)
    }

    @Test func differencesMakeOneTableLinePerNodeAndPackage() {
        var other: [String: String?] = Self.client.packages.mapValues { $0 }
        other["toolz"] = "0.12.1"
        other["python"] = "3.12.1"
        other["msgpack"] = .some(nil)
        var same: [String: String?] = Self.client.packages.mapValues { $0 }
        same["python"] = "3.11.2"
        let reports = [VersionLockstep.Report(node: "10.0.0.1", environment: "/opt/a/env", versions: same),
                       VersionLockstep.Report(node: "10.0.0.2", environment: "/opt/b/env", versions: other),
                       VersionLockstep.Report(node: "10.0.0.2", environment: "/opt/b/env", versions: other),
                       VersionLockstep.Report(node: "10.0.0.3", environment: nil, versions: [:], error: "timed out")]
        let found = VersionLockstep.differences(client: Self.client, reports: reports)
        #expect(found.map { "\($0.node) \($0.package) \($0.wanted) \($0.found)" } == [
            "10.0.0.2 python 3.11 3.12", "10.0.0.2 msgpack 1.1.0 missing", "10.0.0.2 toolz 1.0.0 0.12.1",
            "10.0.0.3 (all) - could not say: timed out",
        ])
        let error = VersionLockstep.failure(found, interpreter: "python3", cluster: "dev")
        #expect(error.message.hasPrefix("dev: 2 nodes run other versions than python3 (environment.match_client)"))
        let lines = (error.details ?? "").split(separator: "\n").map(String.init)
        #expect(lines.first == "node      package  client  node version", "\(lines)")
        #expect(lines.contains("10.0.0.2  toolz    1.0.0   0.12.1"), "\(lines)")
        #expect(lines.contains("  10.0.0.2: /opt/b/env"), "\(lines)")
    }
}
