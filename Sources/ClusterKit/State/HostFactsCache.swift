import Foundation

/// What SSH hosts said about themselves (`NodeFacts`), kept across clusters in the cache
/// directory, so that a new cluster on hosts clusterctl already knows starts without asking
/// them again (one command per host less on every fresh `up`). Facts that turn out stale are
/// asked for again where they make a step fail (`SSHBackend`), and replaced here.
public struct HostFactsCache: Sendable {
    /// Holds one small JSON file per login (`user@host_port.json`).
    public let directory: URL

    public init(homes: Homes) {
        directory = homes.cache.appendingPathComponent("hosts")
    }

    /// The facts recorded for `user` on `host`:`port`, if any (an unreadable file counts as none).
    public func facts(user: String, host: String, port: Int) -> NodeFacts? {
        guard let data = try? Data(contentsOf: file(user: user, host: host, port: port)) else { return nil }
        return try? JSONDecoder().decode(NodeFacts.self, from: data)
    }

    /// Records `facts`; a cache that cannot be written only costs a question next time.
    public func save(_ facts: NodeFacts, user: String, host: String, port: Int) {
        guard let data = try? JSONEncoder().encode(facts) else { return }
        try? AtomicFile.makeDirectory(directory)
        try? AtomicFile.write(data, to: file(user: user, host: host, port: port))
    }

    private func file(user: String, host: String, port: Int) -> URL {
        let name = "\(user)@\(host)_\(port)".map { $0.isLetter || $0.isNumber || "@._-".contains($0) ? $0 : "_" }
        return directory.appendingPathComponent(String(name) + ".json")
    }
}
