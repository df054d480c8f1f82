import Foundation
import Mustache

/// The files under `templates/`, shipped beside the binary, and their rendering.
///
/// Templates declare what they render into with a pragma on their first line,
/// `{{% CONTENT_TYPE: SHELL}}` or `{{% CONTENT_TYPE: SYSTEMD}}`, and every value is escaped
/// for that target before it lands in the text.
public enum Templates {
    /// The templates directory: `CLUSTERCTL_TEMPLATES` if set, else the resources shipped
    /// with the binary.
    public static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["CLUSTERCTL_TEMPLATES"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return locateBundled()
    }()

    /// The raw text of `relativePath` (e.g. `packages.txt`).
    public static func text(_ relativePath: String) throws -> String {
        let url = directory.appendingPathComponent(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ClusterError("template \(relativePath) is missing from \(directory.path); reinstall clusterctl")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Renders template `relativePath` with `values`.
    public static func render(_ relativePath: String, _ values: [String: Any]) throws -> String {
        registerContentTypes
        let template: MustacheTemplate
        do {
            template = try MustacheTemplate(string: try text(relativePath))
        } catch let error as ClusterError {
            throw error
        } catch {
            throw ClusterError("template \(relativePath) does not parse: \(error)")
        }
        return template.render(values)
    }

    /// The pinned package set every environment gets (comments and blank lines dropped).
    public static func pinnedPackages() throws -> [String] {
        try text("packages.txt").split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// The part of the pinned set an environment with `base` starts from: all of it for
    /// `complete`, only `dask` and `distributed` for `minimal`.
    public static func pinnedPackages(for base: EnvironmentSpec.Base) throws -> [String] {
        let all = try pinnedPackages()
        switch base {
        case .complete:
            return all
        case .minimal:
            return all.filter { EnvironmentSpec.Base.minimalNames.contains(EnvironmentInstaller.packageName($0)) }
        }
    }

    private static let registerContentTypes: Void = {
        MustacheContentTypes.register(ShellContent(), named: "SHELL")
        MustacheContentTypes.register(SystemdContent(), named: "SYSTEMD")
    }()

    private static func locateBundled() -> URL {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("clusterctl_ClusterKit.resources/templates"),
            executable.deletingLastPathComponent().appendingPathComponent("clusterctl_ClusterKit.resources/templates"),
            executable.deletingLastPathComponent().appendingPathComponent("../share/clusterctl/templates"),
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("packages.txt").path) }
            ?? candidates[0]
    }
}

/// Values in shell templates become single inert words.
struct ShellContent: MustacheContentType {
    func escapeText(_ text: String) -> String { ShellQuote.quote(text) }
}

/// Values in systemd unit files become one quoted word with `%`, `$` and `\` neutralised.
struct SystemdContent: MustacheContentType {
    func escapeText(_ text: String) -> String { SystemdQuote.quote(text) }
}

/// Quoting for systemd unit files (`systemd.syntax(7)`, `systemd.service(7)` command lines).
public enum SystemdQuote {
    /// `value` as one word of an `ExecStart=` or `Environment=` line. Newlines cannot be
    /// represented and are replaced by spaces (the cluster-file validator rejects them first).
    public static func quote(_ value: String) -> String {
        var out = "\""
        for ch in value {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "%": out += "%%"
            case "$": out += "$$"
            case "\n", "\r": out += " "
            default: out.append(ch)
            }
        }
        return out + "\""
    }
}
