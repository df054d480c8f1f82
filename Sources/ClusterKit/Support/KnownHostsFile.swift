import Foundation

/// The cluster's own known_hosts file, as far as clusterctl edits it: entries of machines that
/// are gone are removed, because a cloud hands their addresses to other machines later.
struct KnownHostsFile {
    let path: String

    /// Removes every plain entry naming one of `hosts` (as `host` or `[host]:port`); the file
    /// is rewritten only when an entry goes.
    func remove(hosts: [String]) {
        guard !hosts.isEmpty, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let names = Set(hosts)
        let kept = lines.filter { line in
            guard let field = line.split(separator: " ").first else { return true }
            return !field.split(separator: ",").contains { entry in
                var name = Substring(entry)
                if name.hasPrefix("["), let close = name.firstIndex(of: "]") {
                    name = name[name.index(after: name.startIndex)..<close]
                }
                return names.contains(String(name))
            }
        }
        guard kept.count < lines.count else { return }
        try? AtomicFile.write(Data(kept.joined(separator: "\n").utf8), to: URL(fileURLWithPath: path))
    }
}
