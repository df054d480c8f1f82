import Foundation

/// Where the `state.json` documents of clusters are kept: files under the state home, or
/// objects in S3 so a team shares them. Each read gives a version; a write names the version it
/// replaces and fails with `StateConflict` when someone else wrote in between.
public protocol StateDocuments: Sendable {
    /// Where the documents are, for messages (`/home/me/.local/state/clusterctl`, `s3://bucket/prefix`).
    var location: String { get }
    /// The document of cluster `name` and its version, or nil when there is none.
    func read(_ name: String) throws -> (data: Data, version: String?)?
    /// Writes the document of cluster `name` replacing `version` (nil: there must be none);
    /// returns the new version.
    func write(_ data: Data, for name: String, replacing version: String?) throws -> String?
    /// Removes the document of cluster `name`; removing a missing one succeeds.
    func remove(_ name: String) throws
    /// Names of every cluster with a document, sorted.
    func names() throws -> [String]
}

/// Another writer changed a cluster's state after this command read it.
public struct StateConflict: Error, CustomStringConvertible, Sendable {
    public let cluster: String
    public let location: String

    public var description: String {
        "the state of \(cluster) in \(location) was changed by another clusterctl command since this one read it; "
            + "nothing of this command's was written over it. Run `clusterctl status \(cluster)` to see where it stands, "
            + "then run the command again"
    }
}

/// State documents as files: `<home>/<name>/state.json`, 0600 in a 0700 directory, written
/// atomically. Versions are not tracked: the per-cluster lock already keeps writers apart.
struct LocalStateDocuments: StateDocuments {
    let homes: Homes

    var location: String { homes.state.path }

    private func file(_ name: String) -> URL { homes.clusterDirectory(name).appendingPathComponent("state.json") }

    func read(_ name: String) throws -> (data: Data, version: String?)? {
        FileManager.default.contents(atPath: file(name).path).map { ($0, nil) }
    }

    func write(_ data: Data, for name: String, replacing version: String?) throws -> String? {
        try AtomicFile.makeDirectory(homes.state)
        try AtomicFile.makeDirectory(homes.clusterDirectory(name))
        try AtomicFile.write(data, to: file(name))
        return nil
    }

    func remove(_ name: String) throws {
        if FileManager.default.fileExists(atPath: file(name).path) {
            try FileManager.default.removeItem(at: file(name))
        }
    }

    func names() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: homes.state.path)) ?? []
        return entries.filter { FileManager.default.fileExists(atPath: file($0).path) }.sorted()
    }
}
