import Yams

/// A 1-based line and column (Unicode scalars, as libyaml counts them).
struct SourcePosition: Comparable, Hashable {
    var line: Int
    var column: Int

    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    init(_ mark: Mark?) {
        self.init(line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    static func < (a: SourcePosition, b: SourcePosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

/// The text of a cluster file, with the lookups the loader needs that Yams's node tree
/// does not offer: what character starts a node, where tabs indent, where an alias or a
/// repeated key sits.
struct SpecSource {
    /// The file as the user named it, for messages.
    let file: String
    let text: String
    /// Each line as Unicode scalars, without its line break.
    private let lines: [[Unicode.Scalar]]

    init(file: String, text: String) {
        self.file = file
        self.text = text
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var scalars = Array(line.unicodeScalars)
            if scalars.last == "\r" { scalars.removeLast() }
            return scalars
        }
    }

    /// A diagnostic at `position`.
    func diagnostic(at position: SourcePosition, _ problem: String, hint: String? = nil) -> SpecDiagnostic {
        SpecDiagnostic(file: file, line: position.line, column: position.column, problem: problem, hint: hint)
    }

    /// The character at `position`, if there is one.
    func scalar(at position: SourcePosition) -> Unicode.Scalar? {
        guard position.line >= 1, position.line <= lines.count else { return nil }
        let line = lines[position.line - 1]
        guard position.column >= 1, position.column <= line.count else { return nil }
        return line[position.column - 1]
    }

    /// The run of non-blank characters starting at `position` (an `&anchor` or `!tag`).
    func token(at position: SourcePosition) -> String {
        guard position.line >= 1, position.line <= lines.count, position.column >= 1 else { return "" }
        let line = lines[position.line - 1].dropFirst(position.column - 1)
        var token = String.UnicodeScalarView()
        token.append(contentsOf: line.prefix { $0 != " " && $0 != "\t" && $0 != "," && $0 != "]" })
        return String(token)
    }

    /// Every tab that is part of a line's indentation (YAML forbids them; libyaml's message is cryptic).
    func tabsInIndentation() -> [SourcePosition] {
        var found: [SourcePosition] = []
        for (index, line) in lines.enumerated() {
            for (column, scalar) in line.enumerated() {
                if scalar == "\t" { found.append(SourcePosition(line: index + 1, column: column + 1)); break }
                if scalar != " " { break }
            }
        }
        return found
    }

    /// The position of the `offset`-th character of the text (libyaml reader errors give offsets).
    func position(ofCharacterOffset offset: Int) -> SourcePosition {
        var position = SourcePosition(line: 1, column: 1)
        for character in text.prefix(offset) {
            if character == "\n" || character == "\r\n" {
                position = SourcePosition(line: position.line + 1, column: 1)
            } else {
                position.column += character.unicodeScalars.count
            }
        }
        return position
    }

    /// The first `*alias` after `start`, skipping quoted text and comments.
    ///
    /// Yams replaces an alias by the node it names (which carries the anchor's position),
    /// so the alias's own position has to be found in the text.
    func aliasPosition(after start: SourcePosition) -> SourcePosition? {
        var quote: Unicode.Scalar?
        var lineIndex = start.line - 1
        var columnIndex = start.column
        while lineIndex < lines.count {
            let line = lines[lineIndex]
            while columnIndex < line.count {
                let scalar = line[columnIndex]
                if let open = quote {
                    if scalar == open { quote = nil }
                } else if scalar == "\"" || scalar == "'" {
                    quote = scalar
                } else if scalar == "#" && (columnIndex == 0 || line[columnIndex - 1] == " ") {
                    break
                } else if scalar == "*" && (columnIndex == 0 || " [,-:".unicodeScalars.contains(line[columnIndex - 1])) {
                    return SourcePosition(line: lineIndex + 1, column: columnIndex + 1)
                }
                columnIndex += 1
            }
            lineIndex += 1
            columnIndex = 0
        }
        return nil
    }

    /// Where `key` is given again in the block mapping whose first use of it is at `first`.
    ///
    /// Yams reports duplicate keys at their first use only; the repeat is what the user must delete.
    func repeatedKeyPosition(_ key: String, firstAt first: SourcePosition) -> SourcePosition? {
        let indent = first.column - 1
        var lineIndex = first.line
        while lineIndex < lines.count {
            let line = lines[lineIndex]
            lineIndex += 1
            let leading = line.prefix { $0 == " " }.count
            guard leading < line.count, line[leading] != "#" else { continue }
            if leading < indent { return nil }
            guard leading == indent else { continue }
            var rest = String(String.UnicodeScalarView(line.dropFirst(leading)))
            if let quote = rest.first, quote == "\"" || quote == "'" {
                rest.removeFirst()
                guard rest.hasPrefix(key + String(quote)) else { continue }
                rest.removeFirst(key.count + 1)
            } else {
                guard rest.hasPrefix(key) else { continue }
                rest.removeFirst(key.count)
            }
            if rest.trimmingSpaces().hasPrefix(":") {
                return SourcePosition(line: lineIndex, column: indent + 1)
            }
        }
        return nil
    }
}
