import Foundation

/// What the cluster file's free-text values may contain.
///
/// Host names, package specs, interpreter names and remote paths end up in commands run by
/// remote shells, so they are held to the narrow forms they need; each check returns why a
/// value is refused (nil when it is fine).
enum SpecValueRules {
    private static let asciiLettersAndDigits = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    // MARK: Cluster name

    /// Why `name` is not a cluster name: `^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`.
    static func clusterNameProblem(_ name: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard !name.isEmpty, name.count <= 63, name.allSatisfy(allowed.contains),
              name.first != "-", name.last != "-" else {
            return "name \"\(name)\" is not allowed: use 1 to 63 lowercase letters, digits and \"-\", starting and ending with a letter or digit"
        }
        return nil
    }

    /// A valid name close to `name`, for the hint.
    static func suggestedClusterName(for name: String) -> String {
        var result = ""
        for character in name.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber) {
                result.append(character)
            } else if result.last != "-" {
                result.append("-")
            }
        }
        let trimmed = String(result.prefix(63)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return trimmed.isEmpty ? "my-cluster" : trimmed
    }

    // MARK: Hosts

    /// Why `host` is not a plain host name, IPv4 address or IPv6 address.
    static func hostProblem(_ host: String) -> String? {
        if host.isEmpty { return "is empty" }
        if let bad = host.first(where: { !(asciiLettersAndDigits.contains($0) || $0 == "." || $0 == "-" || $0 == ":") }) {
            return "contains \(quoted(bad)); only host names and IP addresses are allowed, because hosts reach remote shells"
        }
        if host.contains(":") {
            return isIPv6(host) ? nil : "is not a valid IPv6 address"
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        if labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) {
            return isIPv4(host) ? nil : "is not a valid IPv4 address"
        }
        guard host.count <= 253 else { return "is longer than 253 characters" }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, label.first != "-", label.last != "-" else {
                return "is not a valid host name (each dot-separated part is 1 to 63 letters, digits or \"-\", not starting or ending with \"-\")"
            }
        }
        return nil
    }

    static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1
    }

    // MARK: Packages

    /// Why `requirement` is not a PEP 508 requirement of the simple form
    /// `name[extra,...] <op> version, <op> version` (no URLs, markers or shell characters).
    static func packageProblem(_ requirement: String) -> String? {
        let name = "[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
        let extras = "(?:\\[ *\(name)(?: *, *\(name))* *\\])?"
        let clause = "(?:===|==|!=|~=|<=|>=|<|>) *[A-Za-z0-9.*+!_-]+"
        let pattern = "\(name) *\(extras)(?: *\(clause)(?: *, *\(clause))*)?"
        guard let regex = try? Regex(pattern), (try? regex.wholeMatch(in: requirement)) != nil else {
            if let bad = requirement.first(where: { "$`;|&()\"'\\\n\r\t#@".contains($0) }) {
                return "contains \(quoted(bad)), which is not part of a package requirement and would reach a shell"
            }
            return "is not a package requirement like dask==2026.8.0, numpy>=2 or dask[dataframe]"
        }
        return nil
    }

    // MARK: Interpreter, user, paths

    /// Why `python` is neither a bare command name nor an absolute path of plain characters.
    static func pythonProblem(_ python: String) -> String? {
        let plain = asciiLettersAndDigits.union("._+-")
        if python.hasPrefix("/") {
            return python.dropFirst().allSatisfy({ plain.contains($0) || $0 == "/" }) ? nil
                : "must be a command name such as python3 or an absolute path of letters, digits, \".\", \"_\", \"+\", \"-\" and \"/\""
        }
        guard let first = python.first, asciiLettersAndDigits.contains(first), python.allSatisfy(plain.contains) else {
            return "must be a command name such as python3 or python3.11, or an absolute path such as /usr/bin/python3"
        }
        return nil
    }

    /// Why `user` is not a plain login name.
    static func userProblem(_ user: String) -> String? {
        let allowed = asciiLettersAndDigits.union("._-")
        guard let first = user.first, first != "-", first != ".", user.count <= 32, user.allSatisfy(allowed.contains) else {
            return "must be a login name of letters, digits, \".\", \"_\" and \"-\" (at most 32), not starting with \"-\" or \".\""
        }
        return nil
    }

    /// Why `path` cannot be a remote install directory: absolute or `~/`, plain characters, `{host}` allowed.
    static func installDirProblem(_ path: String) -> String? {
        guard path.hasPrefix("/") || path.hasPrefix("~/") else {
            return "must be an absolute path or start with ~/"
        }
        let plain = asciiLettersAndDigits.union("._+-/")
        let rest = path.replacingOccurrences(of: "{host}", with: "").dropFirst(path.hasPrefix("~/") ? 2 : 1)
        guard rest.allSatisfy(plain.contains) else {
            return "may hold only letters, digits, \".\", \"_\", \"+\", \"-\", \"/\" and the placeholder {host}, because it reaches remote shells"
        }
        return nil
    }

    /// Why `path` cannot name a local file.
    static func localPathProblem(_ path: String) -> String? {
        if path.isEmpty { return "is empty" }
        if path.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "contains a control character"
        }
        return nil
    }

    private static func quoted(_ character: Character) -> String {
        switch character {
        case "\n": return "a line break"
        case "\t": return "a tab"
        case " ": return "a space"
        case "\"": return "'\"'"
        default: return "\"\(character)\""
        }
    }
}
