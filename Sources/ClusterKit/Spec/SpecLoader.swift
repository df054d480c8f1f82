import Foundation
import Yams

/// Loads a cluster file (YAML-lite) into a `ClusterSpec` with every default filled in.
///
/// Yams composes the text into nodes that keep their line and column; the cluster file's own
/// strict schema is then applied to those nodes. Every problem found is reported at once, as a
/// `SpecError` whose lines read `FILE:LINE:COLUMN: message`.
public enum SpecLoader {
    /// The largest cluster file read: 1 MiB. Real files are a few kilobytes; a file of several
    /// megabytes is the wrong file, and parsing and checking it would take many seconds.
    public static let maximumFileSize: UInt64 = 1 << 20

    /// `3.2 MiB (3355443 bytes)`.
    static func describe(size: UInt64) -> String {
        String(format: "%.1f MiB (%llu bytes)", Double(size) / 1_048_576, size)
    }

    /// Loads the cluster file at `path` (relative paths are taken from the working directory).
    ///
    /// - Throws: `SpecError` when the file is missing, larger than `maximumFileSize`, unreadable,
    ///   not YAML-lite or not a valid cluster.
    public static func load(path: String) throws -> ClusterSpec {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SpecError(SpecDiagnostic(file: path, line: nil, column: nil, problem: "no such file",
                                           hint: "check the path (relative paths start at \(FileManager.default.currentDirectoryPath))"))
        }
        guard !isDirectory.boolValue else {
            throw SpecError(SpecDiagnostic(file: path, line: nil, column: nil, problem: "is a directory, not a cluster file",
                                           hint: "name a .yaml file, for example \(path)/local.yaml"))
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.uint64Value ?? 0
        guard size <= maximumFileSize else {
            throw SpecError(SpecDiagnostic(file: path, line: nil, column: nil,
                                           problem: "is \(Self.describe(size: size)), more than the 1 MiB a cluster file may be",
                                           hint: "a cluster file is a few kilobytes; check that this is the file you meant"))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecError(SpecDiagnostic(file: path, line: nil, column: nil, problem: "cannot be read",
                                           hint: "check its permissions"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SpecError(SpecDiagnostic(file: path, line: nil, column: nil, problem: "is not UTF-8 text",
                                           hint: "save it as UTF-8"))
        }
        return try load(text: text, file: path)
    }

    /// Loads cluster-file `text`; `file` names it in messages, anchors relative paths in it
    /// (such as `key`) and becomes `sourcePath` (made absolute).
    ///
    /// - Throws: `SpecError` listing every problem found.
    public static func load(text: String, file: String) throws -> ClusterSpec {
        let source = SpecSource(file: file, text: text)
        let tabs = source.tabsInIndentation()
        guard tabs.isEmpty else {
            throw SpecError(tabs.map {
                source.diagnostic(at: $0, "tab character in the indentation", hint: "indent with spaces only")
            })
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, .default, .default, .utf8)
        } catch {
            throw SpecError(YamlSyntaxDiagnostic.make(from: error, in: source))
        }
        guard let root else {
            throw SpecError(source.diagnostic(at: SourcePosition(line: 1, column: 1), "the file is empty",
                                              hint: "a cluster file needs at least `name:` and `provider:` with a `kind:`"))
        }
        let absolute = LocalUser.absolutePath(file, relativeTo: FileManager.default.currentDirectoryPath)
        let reader = SchemaReader(source: source)
        let spec = ClusterSpecReader(reader: reader, directory: (absolute as NSString).deletingLastPathComponent).read(root)
        guard var spec, reader.diagnostics.isEmpty else {
            throw SpecError(reader.diagnostics)
        }
        spec.sourcePath = absolute
        return spec
    }
}
