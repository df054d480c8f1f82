import Foundation

/// One parsed AWS shared file (`~/.aws/credentials` or `~/.aws/config`):
/// profile names mapped to their settings.
///
/// The format is the AWS CLI's INI dialect: `[section]` lines, `key = value`
/// lines, whole-line comments starting with `#` or `;`, and indented lines
/// under an empty key (nested settings such as `s3 =`), which are skipped.
/// Keys are lowercased. In the config file a profile is `[default]` or
/// `[profile NAME]`; in the credentials file it is `[NAME]`.
struct ProfileFile: Equatable {
    enum Kind: Equatable {
        case credentials
        case config
    }

    let path: String
    let profiles: [String: [String: String]]

    /// Reads and parses the file at `path`; nil when there is no such file.
    ///
    /// The file is read through a handle rather than `FileManager.contents(atPath:)`, which
    /// answers nil for a character device: `AWS_CONFIG_FILE=/dev/null` is the usual way to
    /// ignore a file, and the AWS tools read it as empty.
    static func load(path: String, kind: Kind) throws -> ProfileFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AWSConfigurationError.unreadableFile(path: path)
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw AWSConfigurationError.unreadableFile(path: path)
        }
        return try ProfileFile(text: String(decoding: data, as: UTF8.self), path: path, kind: kind)
    }

    init(text: String, path: String, kind: Kind) throws {
        self.path = path
        var profiles = [String: [String: String]]()
        var current: String?? = nil  // nil: before any section; .some(nil): a section that is not a profile
        var inNestedBlock = false
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard let close = line.firstIndex(of: "]") else {
                    throw AWSConfigurationError.malformedFile(path: path, line: index + 1,
                                                              reason: "a section header needs a closing ']'")
                }
                let name = line[line.index(after: line.startIndex)..<close]
                current = .some(Self.profileName(section: String(name), kind: kind))
                if let profile = current ?? nil, profiles[profile] == nil { profiles[profile] = [:] }
                inNestedBlock = false
                continue
            }
            if let first = rawLine.first, first == " " || first == "\t", inNestedBlock { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw AWSConfigurationError.malformedFile(path: path, line: index + 1,
                                                          reason: "expected 'key = value' or '[section]'")
            }
            guard let section = current else {
                throw AWSConfigurationError.malformedFile(path: path, line: index + 1,
                                                          reason: "a setting appears before any [section]")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            inNestedBlock = value.isEmpty
            if let profile = section, !inNestedBlock { profiles[profile, default: [:]][key] = value }
        }
        self.profiles = profiles
    }

    /// The profile a section header names, or nil for sections that are not
    /// profiles (`[sso-session x]`, `[services x]`, bare names in the config file).
    private static func profileName(section: String, kind: Kind) -> String? {
        let words = section.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        switch kind {
        case .credentials:
            return words.isEmpty ? nil : words.joined(separator: " ")
        case .config:
            if words == ["default"] { return "default" }
            if words.count == 2, words[0] == "profile" { return words[1] }
            return nil
        }
    }
}
