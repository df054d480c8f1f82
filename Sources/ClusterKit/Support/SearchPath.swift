import Foundation

/// Finding a program the way a shell does, in the directories of a `PATH` value.
enum SearchPath {
    /// The first executable `program` in the directories of `path` (`/usr/local/bin:/usr/bin`),
    /// or nil.
    static func find(_ program: String, in path: String) -> String? {
        path.split(separator: ":").filter { !$0.isEmpty }.map { $0 + "/" + program }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
