import Yams

/// Reads typed values out of a Yams node tree under the cluster file's strict rules,
/// collecting a diagnostic for every value it cannot use instead of stopping at the first.
///
/// Each reader returns nil when the value is missing or wrong (and has reported why), so a
/// caller falls back to a default only when nothing was reported.
final class SchemaReader {
    let source: SpecSource
    private(set) var diagnostics: [SpecDiagnostic] = []

    init(source: SpecSource) {
        self.source = source
    }

    func report(_ position: SourcePosition, _ problem: String, hint: String? = nil) {
        diagnostics.append(source.diagnostic(at: position, problem, hint: hint))
    }

    // MARK: Mappings

    /// One `key: value` pair of a mapping.
    struct Entry {
        let key: String
        let keyPosition: SourcePosition
        let value: Node
    }

    /// The usable pairs of one mapping section.
    struct Fields {
        /// Dotted path of the section for messages (`workers`), empty at the top level.
        let path: String
        /// Where to report a key that is missing from the section.
        let position: SourcePosition
        private(set) var entries: [Entry] = []
        /// Keys that were present but unusable (already reported), so they do not count as missing.
        private(set) var rejected: Set<String> = []

        init(path: String, position: SourcePosition) {
            self.path = path
            self.position = position
        }

        mutating func add(_ entry: Entry) { entries.append(entry) }
        mutating func reject(_ key: String) { rejected.insert(key) }

        subscript(key: String) -> Node? { entries.first { $0.key == key }?.value }

        /// True if the key was written, usable or not.
        func isWritten(_ key: String) -> Bool { self[key] != nil || rejected.contains(key) }

        /// `path.key` for messages.
        func label(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    }

    /// The pairs of the block mapping `node`, checking every key against `allowed`
    /// (nil accepts any plain key, as `listen_addresses` does).
    ///
    /// A null `node` (the section written with nothing under it) gives no pairs.
    func fields(of node: Node, path: String, at position: SourcePosition, allowed: [String]?) -> Fields? {
        guard case .mapping(let mapping) = node else {
            if isNull(node) { return Fields(path: path, position: position) }
            report(SourcePosition(node.mark), "\(path.isEmpty ? "the file" : path) must be a mapping of `key: value` lines, not \(describe(node))",
                   hint: allowed.map { "allowed keys: \(listed($0))" })
            return nil
        }
        var fields = Fields(path: path, position: position)
        for (keyNode, value) in mapping {
            let keyPosition = SourcePosition(keyNode.mark)
            guard case .scalar(let keyScalar) = keyNode else {
                report(keyPosition, "keys must be plain words, not \(describe(keyNode))", hint: "write `key: value`")
                continue
            }
            guard checkProperties(of: keyNode, after: keyPosition) else { continue }
            let key = keyScalar.string
            if key == "<<" {
                report(keyPosition, "merge keys (<<) are not allowed: YAML-lite has no anchors, aliases or merges",
                       hint: "write the keys out in full")
                continue
            }
            if let allowed, !allowed.contains(key) {
                reportUnknown(key, at: keyPosition, section: path, allowed: allowed)
                continue
            }
            guard checkProperties(of: value, after: keyPosition) else {
                fields.reject(key)
                continue
            }
            fields.add(Entry(key: key, keyPosition: keyPosition, value: value))
        }
        return fields
    }

    /// Reports a key the section does not have, with the nearest valid key.
    func reportUnknown(_ key: String, at position: SourcePosition, section: String, allowed: [String]) {
        let place = section.isEmpty ? "at the top level" : "in \(section)"
        var hint = "allowed here: \(listed(allowed))"
        if let nearest = KeySuggestion.nearest(to: key, among: allowed) {
            hint = "did you mean \"\(nearest)\"? (\(hint))"
        } else {
            let homes = SpecKeys.sections.filter { $0.keys.contains(key) && !section.hasPrefix($0.path) }.map(\.path)
            if !homes.isEmpty { hint = "\"\(key)\" belongs under \(homes.joined(separator: " or ")) (\(hint))" }
        }
        report(position, "unknown key \"\(key)\" \(place)", hint: hint)
    }

    /// Rejects what YAML-lite leaves out: anchors, aliases, tags, flow mappings, block scalars.
    ///
    /// `after` is the position of whatever precedes `node` (its key, or the previous list item):
    /// a node that starts before it was reached through an alias.
    func checkProperties(of node: Node, after: SourcePosition) -> Bool {
        let position = SourcePosition(node.mark)
        if position < after {
            let alias = source.aliasPosition(after: after) ?? after
            report(alias, "alias \(source.token(at: alias)) is not allowed: YAML-lite has no anchors or aliases",
                   hint: "write the value out in full")
            return false
        }
        switch source.scalar(at: position) {
        case "&":
            report(position, "anchor \(source.token(at: position)) is not allowed: YAML-lite has no anchors or aliases",
                   hint: "remove it and write values out in full where they are used")
            return false
        case "!":
            report(position, "tag \(source.token(at: position)) is not allowed: YAML-lite has no tags",
                   hint: "remove it; each key already says what type its value is")
            return false
        case "{" where node.mapping != nil:
            report(position, "flow mappings ({...}) are not part of YAML-lite",
                   hint: "write one `key: value` per line, indented under the key")
            return false
        default:
            break
        }
        if let style = node.scalar?.style, style == .literal || style == .folded {
            report(position, "block scalars (| and >) are not part of YAML-lite",
                   hint: "write the value on one line, in quotes if it has special characters")
            return false
        }
        return true
    }

    // MARK: Scalars

    /// True for an empty value, `~` or `null` written plainly.
    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// A string value; `example` completes the hint (`count: 2`).
    func string(_ node: Node, _ label: String, example: String) -> String? {
        guard case .scalar(let scalar) = node else {
            report(SourcePosition(node.mark), "\(label) must be a single value, not \(describe(node))", hint: "write for example \(example)")
            return nil
        }
        if isNull(node) {
            report(SourcePosition(node.mark), "\(label) needs a value", hint: "write for example \(example)")
            return nil
        }
        return scalar.string
    }

    /// A whole number in `range`, written without quotes.
    func integer(_ node: Node, _ label: String, in range: ClosedRange<Int>, example: String,
                 rangeHint: String? = nil) -> Int? {
        guard let text = string(node, label, example: example) else { return nil }
        let position = SourcePosition(node.mark)
        if node.scalar?.style != .plain {
            report(position, "\(label) must be a number, not the quoted text \"\(text)\"", hint: "write it without quotes, for example \(example)")
            return nil
        }
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            report(position, "\(label) must be a whole number, not \"\(text)\"", hint: "write for example \(example)")
            return nil
        }
        guard let value = Int(text), range.contains(value) else {
            report(position, "\(label) must be \(describe(range)), not \(text)", hint: rangeHint ?? "write for example \(example)")
            return nil
        }
        return value
    }

    /// One of `choices`, with a did-you-mean for near misses.
    func choice(_ node: Node, _ label: String, among choices: [String]) -> String? {
        guard let text = string(node, label, example: "\(label.split(separator: ".").last ?? ""): \(choices[0])") else { return nil }
        guard choices.contains(text) else {
            var hint = "write one of: \(listed(choices))"
            if let nearest = KeySuggestion.nearest(to: text, among: choices) { hint = "did you mean \"\(nearest)\"? (\(hint))" }
            report(SourcePosition(node.mark), "\(label) must be one of \(listed(choices)), not \"\(text)\"", hint: hint)
            return nil
        }
        return text
    }

    // MARK: Lists

    /// A list of scalars, block (`- a`) or flow (`[a, b]`); each item with its position.
    func scalarList(_ node: Node, _ label: String, example: String) -> [(value: String, position: SourcePosition)]? {
        guard case .sequence(let sequence) = node else {
            report(SourcePosition(node.mark), "\(label) must be a list, not \(describe(node))",
                   hint: "write for example \(example)")
            return nil
        }
        var items: [(value: String, position: SourcePosition)] = []
        var previous = SourcePosition(node.mark)
        var usable = true
        for item in sequence {
            defer { previous = max(previous, SourcePosition(item.mark)) }
            guard checkProperties(of: item, after: previous) else { usable = false; continue }
            guard case .scalar = item else {
                report(SourcePosition(item.mark), "each item of \(label) must be a single value, not \(describe(item))",
                       hint: "write for example \(example)")
                usable = false
                continue
            }
            guard let value = string(item, "an item of \(label)", example: example) else { usable = false; continue }
            items.append((value, SourcePosition(item.mark)))
        }
        return usable ? items : nil
    }

    // MARK: Wording

    /// How a node looks, for "must be X, not Y" messages.
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar): return isNull(node) ? "an empty value" : "\"\(scalar.string)\""
        }
    }

    private func describe(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? "at least \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
    }

    func listed(_ words: [String]) -> String { words.joined(separator: ", ") }
}
