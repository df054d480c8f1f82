import Foundation

/// Clean-up of a cache directory whose entries are marked used by their modification date.
enum StaleEntries {
    /// Removes the entries of `root` not modified for `unused` seconds, and those named
    /// `.partial-*` (left by a fill that was killed) not modified for `partial` seconds.
    static func remove(in root: URL, unused: TimeInterval, partial: TimeInterval) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] {
            let url = root.appendingPathComponent(name)
            let modified = (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? Date()
            if Date().timeIntervalSince(modified) > (name.hasPrefix(".partial-") ? partial : unused) {
                try? FileManager.default.removeItem(at: url)
            }
        }
    }

    /// Marks `paths` used now.
    static func markUsed(_ paths: [String]) {
        for path in paths { try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path) }
    }
}
