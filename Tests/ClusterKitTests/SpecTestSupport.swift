import Foundation
@testable import ClusterKit

/// Helpers shared by the cluster-file tests.
enum SpecFixture {
    /// The smallest valid file, to which tests append or replace lines.
    static let minimal = """
        name: dev
        provider:
          kind: local

        """

    /// The rendered diagnostics of loading `yaml` as `c.yaml`, or [] if it loads.
    static func diagnostics(_ yaml: String) -> [String] {
        do {
            _ = try SpecLoader.load(text: yaml, file: "c.yaml")
            return []
        } catch let error as SpecError {
            return error.diagnostics.map(\.description)
        } catch {
            return ["unexpected error type: \(error)"]
        }
    }

    /// The package root, found from this source file.
    static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    /// A fresh directory for files a test writes; removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("spec-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
