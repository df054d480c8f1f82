import Foundation

/// A cluster as the user names it on the command line: by name, or by its cluster file.
public enum ClusterReference: Sendable {
    case name(String)
    case file(String)

    /// `argument` as a file if it names one (or looks like one), else as a cluster name. A
    /// directory of that name in the working directory does not hide the cluster.
    public static func parse(_ argument: String) -> ClusterReference {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory)
        if (exists && !isDirectory.boolValue) || argument.hasSuffix(".yaml")
            || argument.hasSuffix(".yml") || argument.contains("/") {
            return .file(argument)
        }
        return .name(argument)
    }

    /// The cluster's name, loading the file if it is one.
    public func resolveName() throws -> String {
        switch self {
        case .file(let path):
            return try SpecLoader.load(path: path).name
        case .name(let name):
            guard name.range(of: "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", options: .regularExpression) != nil else {
                throw ClusterError.usage("'\(name)' is neither a cluster file nor a cluster name (names use a-z, 0-9 and '-')")
            }
            return name
        }
    }
}
