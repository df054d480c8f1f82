import AWSKit
import Foundation

/// Cluster state: `state.json` documents (under the state home, or in S3 with
/// `state: s3://bucket/prefix`) and, always on this machine, each cluster's directory under
/// the state home (0700) with its lock, known_hosts, keys and logs.
///
/// A store remembers the version of every document it read, so a write that would go over
/// someone else's change fails with `StateConflict` instead (S3 conditional writes).
public struct StateStore: Sendable {
    public let homes: Homes
    public let documents: StateDocuments
    private let versions = VersionBook()

    /// State under the state home.
    public init(homes: Homes) {
        self.homes = homes
        documents = LocalStateDocuments(homes: homes)
    }

    /// State documents at `url` (`s3://bucket/prefix`), reached with the AWS settings of
    /// `environment`; cluster directories stay under the state home.
    public init(homes: Homes, url: String, region: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.homes = homes
        let configuration = try AWSClientSettings.configuration(for: .s3, purpose: "the state at \(url)", region: region,
                                                                environment: environment)
        documents = try S3StateDocuments(url: url, client: S3Client(configuration: configuration))
    }

    /// The wheelhouse in the bucket of S3 state documents (`PREFIX/wheelhouse/`), reached with
    /// the same client; nil for state under the state home.
    public var s3Wheelhouse: S3Wheelhouse? {
        (documents as? S3StateDocuments).map { S3Wheelhouse(client: $0.client, bucket: $0.bucket, prefix: $0.prefix) }
    }

    /// How long a command waits for another one working on the same cluster.
    public static let lockTimeout: Double = 600

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    private static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()

    /// The directory of cluster `name`, created 0700 if missing.
    public func directory(for name: String) throws -> URL {
        try AtomicFile.makeDirectory(homes.state)
        let dir = homes.clusterDirectory(name)
        try AtomicFile.makeDirectory(dir)
        return dir
    }

    /// Locks cluster `name` for the duration of one command (on this machine).
    public func lock(_ name: String, timeout: Double = StateStore.lockTimeout,
                     onWait: (Int32?) -> Void = { _ in }) throws -> FileLock {
        let dir = try directory(for: name)
        return try FileLock.acquire(at: dir.appendingPathComponent("lock").path, timeout: timeout, onWait: onWait)
    }

    /// The state of cluster `name`, or nil if it has none.
    public func load(_ name: String) throws -> ClusterState? {
        guard let (data, version) = try documents.read(name) else {
            versions.set(name, .absent)
            return nil
        }
        versions.set(name, version.map(Version.known) ?? .absent)
        do {
            return try Self.decoder.decode(ClusterState.self, from: data)
        } catch {
            throw ClusterError("the state file \(documents.location)/\(name)/state.json is unreadable (\(error)); "
                               + "move it aside to start over")
        }
    }

    /// Writes `state`, replacing the version this store read (or wrote) last.
    public func save(_ state: ClusterState) throws {
        var state = state
        state.updatedAt = Date()
        _ = try directory(for: state.name)
        let replacing: String?
        switch versions.get(state.name) {
        case .known(let version): replacing = version
        case .absent, nil: replacing = nil
        }
        let written = try documents.write(try Self.encoder.encode(state), for: state.name, replacing: replacing)
        versions.set(state.name, written.map(Version.known) ?? .absent)
        debugLog.debug("saved the state of \(state.name): \(state.nodes.count) node(s), \(state.services.count) service(s)")
    }

    /// Removes the state of cluster `name` (its directory stays until removed).
    public func delete(_ name: String) throws {
        try documents.remove(name)
        versions.set(name, .absent)
    }

    /// Names of every cluster with state, sorted.
    public func names() throws -> [String] {
        try documents.names()
    }

    /// What a store knows of a document's version.
    enum Version {
        /// There was none when last looked, or versions are not tracked.
        case absent
        case known(String)
    }

    /// The versions a store read or wrote, by cluster; its dictionary is used under its lock only.
    final class VersionBook: @unchecked Sendable {
        // Guarded by `lock`.
        private var versions: [String: Version] = [:]
        private let lock = NSLock()

        func get(_ name: String) -> Version? { lock.withLock { versions[name] } }
        func set(_ name: String, _ version: Version) { lock.withLock { versions[name] = version } }
    }
}
