import Foundation

/// Looks at processes of this machine the way the detached supervisor does.
public enum ServiceProcess {
    /// The environment variable every supervised service carries: `CLUSTER/SERVICE`.
    public static let mark = "CLUSTERCTL_SERVICE"

    /// True if `pid` is a live (not zombie) process carrying the mark of service `id`.
    public static func isAlive(pid: Int32, id: String) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        if state == "Z" || state == "X" { return false }
        guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
        let wanted = Data("\(mark)=\(id)".utf8)
        return environ.split(separator: 0).contains { Data($0) == wanted }
    }

    /// Pids of every live process on this machine marked as belonging to `cluster`.
    public static func pids(ofCluster cluster: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let prefix = Data("\(mark)=\(cluster)/".utf8)
        return entries.compactMap(Int32.init).filter { pid in
            guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            guard environ.split(separator: 0).contains(where: { Data($0).starts(with: prefix) }) else { return false }
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
        }
    }
}
