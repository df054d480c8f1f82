import Foundation

extension String {
    /// What follows `prefix` on the last line that starts with it (scripts on nodes report to
    /// clusterctl in `clusterctl-NAME: VALUE` lines), or nil when no line does.
    func lastLine(after prefix: String) -> String? {
        split(separator: "\n").last { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }
}
