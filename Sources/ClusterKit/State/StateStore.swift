import Foundation

/// Cluster state on disk under the state home: `<name>/state.json` (0600) in a 0700 directory,
/// written atomically, with `<name>/lock` guarding every command that changes it.
public struct StateStore: Sendable {
    public let homes: Homes

    public init(homes: Homes) { self.homes = homes }

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

    /// Locks cluster `name` for the duration of one command.
    public func lock(_ name: String, timeout: Double = StateStore.lockTimeout,
                     onWait: (Int32?) -> Void = { _ in }) throws -> FileLock {
        let dir = try directory(for: name)
        return try FileLock.acquire(at: dir.appendingPathComponent("lock").path, timeout: timeout, onWait: onWait)
    }

    /// The state of cluster `name`, or nil if it has none.
    public func load(_ name: String) throws -> ClusterState? {
        let file = homes.clusterDirectory(name).appendingPathComponent("state.json")
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        do {
            return try Self.decoder.decode(ClusterState.self, from: data)
        } catch {
            throw ClusterError("the state file \(file.path) is unreadable (\(error)); move it aside to start over")
        }
    }

    /// Writes `state` atomically.
    public func save(_ state: ClusterState) throws {
        var state = state
        state.updatedAt = Date()
        let dir = try directory(for: state.name)
        try AtomicFile.write(try Self.encoder.encode(state), to: dir.appendingPathComponent("state.json"))
    }

    /// Removes the state of cluster `name` (its logs stay until the directory is removed).
    public func delete(_ name: String) throws {
        let file = homes.clusterDirectory(name).appendingPathComponent("state.json")
        if FileManager.default.fileExists(atPath: file.path) {
            try FileManager.default.removeItem(at: file)
        }
    }

    /// Names of every cluster with state, sorted.
    public func names() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: homes.state.path)) ?? []
        return entries.filter {
            FileManager.default.fileExists(atPath: homes.clusterDirectory($0).appendingPathComponent("state.json").path)
        }.sorted()
    }
}
