import Foundation

/// The wheelhouse cache on the machine running clusterctl: for each node target and package
/// set, one directory of wheels (`<cache>/wheelhouse/<key>`, `WheelTarget.cacheKey`) fetched
/// once with `pip download` and shipped to every node that installs offline.
///
/// A directory is filled under a temporary name and renamed into place only once the fetch
/// succeeded, so a failed or interrupted fetch never leaves one that a later run trusts.
/// Within one process a target is fetched once however many nodes ask at the same time.
public struct Wheelhouse: Sendable {
    /// Holds one directory per key.
    public let root: URL
    /// `PATH` searched for `python3` (with pip) or `uv`.
    public let searchPath: String

    public init(root: URL, searchPath: String = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") {
        self.root = root
        self.searchPath = searchPath
    }

    /// `wheelhouse` under the cache home (`CLUSTERCTL_CACHE`, `$XDG_CACHE_HOME/clusterctl` or
    /// `~/.cache/clusterctl`).
    public static var standard: Wheelhouse {
        Wheelhouse(root: Homes.resolve(home: nil).cache.appendingPathComponent("wheelhouse"))
    }

    /// Longest one fetch may take.
    public static let timeout: Double = 1800

    /// The directory for `packages` on `target` (it may not exist yet).
    public func directory(for target: WheelTarget, packages: [String]) -> URL {
        root.appendingPathComponent(target.cacheKey(packages: packages), isDirectory: true)
    }

    /// The filled directory of wheels for `packages` on `target`: the cached one, or fetched
    /// now. `onStep` hears the progress (each package as pip collects it).
    public func ensure(_ target: WheelTarget, packages: [String], onStep: (String) -> Void) throws -> URL {
        let directory = directory(for: target, packages: packages)
        return try Self.lock(for: directory.path).withLock {
            if Self.isFilled(directory) {
                // Marked as used, so the clean-up of long-unused ones keeps it.
                StaleEntries.markUsed([directory.path])
                onStep("wheelhouse: using \(directory.path)")
                return directory
            }
            // The nodes waiting for the same wheels hear the same failure, not a fetch each.
            if let failure = Self.locksGuard.withLock({ Self.failures[directory.path] }) { throw failure }
            do {
                try fill(directory, target: target, packages: packages, onStep: onStep)
            } catch {
                Self.locksGuard.withLock { Self.failures[directory.path] = error }
                throw error
            }
            return directory
        }
    }

    /// The wheel files in a filled directory, by name.
    public static func wheels(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".whl") }.sorted()
    }

    private static func isFilled(_ directory: URL) -> Bool {
        ((try? wheels(in: directory)) ?? []).isEmpty == false
    }

    private func fill(_ directory: URL, target: WheelTarget, packages: [String], onStep: (String) -> Void) throws {
        let platforms = try target.platformTags()
        let tool = try WheelFetchTool.find(searchPath: searchPath)
        try AtomicFile.makeDirectory(root, mode: 0o755)
        // What fetches killed mid-way left, and wheelhouses no node used for `unusedLifetime`
        // (a later need fetches them again).
        StaleEntries.remove(in: root, unused: Self.unusedLifetime, partial: 4 * Self.timeout)
        let temporary = root.appendingPathComponent(".partial-\(directory.lastPathComponent)-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: temporary) }
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        let requirements = temporary.appendingPathComponent("requirements.txt")
        try Data((packages.joined(separator: "\n") + "\n").utf8).write(to: requirements)

        onStep("wheelhouse: fetching \(packages.count) requirements for \(target.pythonTag) \(platforms[0]) with \(tool.name), once")
        let started = Date()
        try tool.download(requirements: requirements, into: temporary, target: target, platforms: platforms,
                          timeout: Self.timeout, onStep: onStep)
        try FileManager.default.removeItem(at: requirements)
        let names = try Self.wheels(in: temporary)
        guard !names.isEmpty else {
            throw ClusterError("\(tool.name) fetched no wheels for \(target.pythonTag) \(platforms[0]) into \(temporary.path)")
        }
        do {
            try FileManager.default.moveItem(at: temporary, to: directory)
        } catch _ where Self.isFilled(directory) {
            // Another clusterctl filled it first: theirs is as good.
        }
        let bytes = names.reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)[.size] as? Int) ?? 0)
        }
        onStep(String(format: "wheelhouse: %d wheels, %.1f MB, in %.0f s: %@", names.count, Double(bytes) / 1e6,
                      Date().timeIntervalSince(started), directory.path))
    }

    /// How long a wheelhouse directory may go unused before a later fetch removes it.
    public static let unusedLifetime: TimeInterval = 30 * 86_400

    private static let locksGuard = NSLock()
    nonisolated(unsafe) private static var locks: [String: NSLock] = [:]
    /// Fetches that failed in this process, by directory (read and written under `locksGuard`).
    nonisolated(unsafe) private static var failures: [String: any Error] = [:]

    /// One lock per wheelhouse (a cache directory's path, or an S3 location that
    /// `S3Wheelhouse` fills), for the life of the process.
    static func lock(for path: String) -> NSLock {
        locksGuard.withLock {
            if let lock = locks[path] { return lock }
            let lock = NSLock()
            locks[path] = lock
            return lock
        }
    }
}
