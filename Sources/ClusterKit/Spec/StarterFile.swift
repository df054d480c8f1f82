import Foundation

/// The commented starter cluster files `clusterctl init` writes (`templates/init/`), one per
/// provider, each a file that `validate` accepts as written.
public enum StarterFile {
    /// The providers there is a starter file for.
    public static let providers = ["local", "ssh", "ec2"]

    /// The starter file for `provider`, naming the cluster `name` and itself `path`; checked by
    /// the same loader as every cluster file.
    public static func text(provider: String, name: String, path: String) throws -> String {
        guard providers.contains(provider) else {
            throw ClusterError.usage("there is no starter file for provider \(provider); choose one of \(providers.joined(separator: ", "))")
        }
        let text = try Templates.text("init/\(provider).yaml")
            .replacingOccurrences(of: "NAME", with: name)
            .replacingOccurrences(of: "FILE", with: path)
        do {
            _ = try SpecLoader.load(text: text, file: path)
        } catch {
            throw ClusterError.usage("\(name) cannot name a cluster (\(error)); give another with --name")
        }
        return text
    }

    /// A cluster name from a file name: `dev-cluster.yaml` gives `dev-cluster`.
    public static func name(forFile path: String) -> String {
        let base = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent.lowercased()
        let cleaned = String(base.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
        return cleaned.isEmpty ? "dev" : cleaned
    }
}
