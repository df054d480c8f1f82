/// One problem found in a cluster file, with where it is and what to write instead.
///
/// Renders as `FILE:LINE:COLUMN: message` (1-based, columns counted in Unicode scalars),
/// or `FILE: message` when the problem has no position (a missing file).
public struct SpecDiagnostic: CustomStringConvertible, Equatable, Sendable {
    /// The cluster file as the user named it.
    public let file: String
    /// 1-based line, nil when the problem is the file itself.
    public let line: Int?
    /// 1-based column, nil when the problem is the file itself.
    public let column: Int?
    /// What is wrong.
    public let problem: String
    /// What to write instead, if there is something useful to say.
    public let hint: String?

    public init(file: String, line: Int?, column: Int?, problem: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.problem = problem
        self.hint = hint
    }

    /// The problem followed by the hint.
    public var message: String {
        guard let hint else { return problem }
        return "\(problem); \(hint)"
    }

    /// `FILE:LINE:COLUMN: message`, or `FILE: message` without a position.
    public var description: String {
        guard let line, let column else { return "\(file): \(message)" }
        return "\(file):\(line):\(column): \(message)"
    }
}

/// A cluster file that cannot be used: every problem found in it, in file order.
///
/// `description` puts one `FILE:LINE:COLUMN: message` per line, the first `shownLimit` of them,
/// then a line counting the rest. The command line exits with status 2 on this error.
public struct SpecError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The most problems `description` lists; a badly broken file (a wrong file, a generated
    /// one) would otherwise print thousands of lines.
    public static let shownLimit = 50

    /// The problems, never empty, sorted by position.
    public let diagnostics: [SpecDiagnostic]

    /// An error made of `diagnostics`, sorted by line and column; must not be empty.
    public init(_ diagnostics: [SpecDiagnostic]) {
        precondition(!diagnostics.isEmpty, "a SpecError needs at least one diagnostic")
        self.diagnostics = diagnostics.enumerated().sorted { a, b in
            let left = (a.element.line ?? 0, a.element.column ?? 0, a.offset)
            let right = (b.element.line ?? 0, b.element.column ?? 0, b.offset)
            return left < right
        }.map(\.element)
    }

    /// An error with one problem.
    public init(_ diagnostic: SpecDiagnostic) {
        self.init([diagnostic])
    }

    public var description: String {
        var lines = diagnostics.prefix(Self.shownLimit).map(\.description)
        let rest = diagnostics.count - lines.count
        if rest > 0 {
            lines.append("... and \(rest) more problem\(rest == 1 ? "" : "s") in \(diagnostics[0].file) "
                         + "(only the first \(Self.shownLimit) are shown)")
        }
        return lines.joined(separator: "\n")
    }
}
