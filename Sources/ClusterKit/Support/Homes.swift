import Foundation

/// Where clusterctl keeps state and caches, following the XDG base directories.
public struct Homes: Sendable {
    /// Holds one directory per cluster.
    public var state: URL
    /// Holds shared, content-addressed Python environments.
    public var cache: URL

    public init(state: URL, cache: URL) {
        self.state = state
        self.cache = cache
    }

    /// Resolves the homes from `--home` (or `CLUSTERCTL_HOME`), else `$XDG_STATE_HOME/clusterctl`,
    /// else `~/.local/state/clusterctl`; the cache from `CLUSTERCTL_CACHE`, `$XDG_CACHE_HOME/clusterctl`
    /// or `~/.cache/clusterctl`.
    public static func resolve(home: String?, environment env: [String: String] = ProcessInfo.processInfo.environment) -> Homes {
        let user = env["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        func dir(_ explicit: String?, _ xdg: String, _ fallback: String) -> URL {
            if let explicit, !explicit.isEmpty { return URL(fileURLWithPath: explicit).standardizedFileURL }
            if let base = env[xdg], !base.isEmpty { return URL(fileURLWithPath: base).appendingPathComponent("clusterctl") }
            return user.appendingPathComponent(fallback).appendingPathComponent("clusterctl")
        }
        return Homes(
            state: dir(home ?? env["CLUSTERCTL_HOME"], "XDG_STATE_HOME", ".local/state"),
            cache: dir(env["CLUSTERCTL_CACHE"], "XDG_CACHE_HOME", ".cache"))
    }

    /// The directory of cluster `name`.
    public func clusterDirectory(_ name: String) -> URL { state.appendingPathComponent(name) }
}
