import Yams

/// Turns what Yams throws into a `file:line:column` diagnostic with advice in plain words.
enum YamlSyntaxDiagnostic {
    static func make(from error: Error, in source: SpecSource) -> SpecDiagnostic {
        guard let yamlError = error as? YamlError else {
            return source.diagnostic(at: SourcePosition(line: 1, column: 1), "cannot read the YAML: \(error)")
        }
        switch yamlError {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _):
            return syntax(problem: problem, context: context, at: SourcePosition(mark), in: source)
        case let .composer(context, problem, mark, _):
            return composer(problem: problem, context: context, at: SourcePosition(mark), in: source)
        case let .reader(problem, offset, _, _):
            let position = source.position(ofCharacterOffset: offset ?? 0)
            return source.diagnostic(at: position, "cannot read the file: \(problem)",
                                     hint: "save it as plain UTF-8 text without control characters")
        case let .duplicatedKeysInMapping(duplicates, context):
            return duplicateKey(duplicates.first ?? "?", firstAt: SourcePosition(context.mark), in: source)
        default:
            return source.diagnostic(at: SourcePosition(line: 1, column: 1), "cannot read the YAML: \(yamlError)")
        }
    }

    private static func syntax(problem: String, context: YamlError.Context?, at position: SourcePosition,
                               in source: SpecSource) -> SpecDiagnostic {
        var text = "YAML syntax error: \(problem)"
        if let context {
            text += " (\(context.text) that starts at \(context.mark.line):\(context.mark.column))"
        }
        return source.diagnostic(at: position, text, hint: hint(for: problem))
    }

    private static func hint(for problem: String) -> String {
        switch problem {
        case let p where p.contains("mapping values are not allowed"):
            return "a value that contains \": \" must be quoted, and each key goes on its own line"
        case let p where p.contains("did not find expected key"):
            return "check the indentation: the keys of one mapping must start in the same column"
        case let p where p.contains("did not find expected ',' or ']'"):
            return "close the list with ] and separate its items with commas"
        case let p where p.contains("unexpected end of stream"):
            return "close the quote that is still open"
        case let p where p.contains("cannot start any token"):
            return "quote a value that starts with a special character such as @ or `"
        default:
            return "write `key: value` pairs, indented with spaces"
        }
    }

    private static func composer(problem: String, context: YamlError.Context?, at position: SourcePosition,
                                 in source: SpecSource) -> SpecDiagnostic {
        if problem.contains("another document") {
            return source.diagnostic(at: position, "a second YAML document starts here; a cluster file holds exactly one",
                                     hint: "remove this `---` and everything after it, or move it to its own file")
        }
        if problem.contains("undefined alias") {
            return source.diagnostic(at: position, "alias \(source.token(at: position)) is not allowed: YAML-lite has no anchors or aliases",
                                     hint: "write the value out in full")
        }
        return source.diagnostic(at: position, "YAML error: \(problem)", hint: "write `key: value` pairs, indented with spaces")
    }

    /// A key given twice, reported where it is repeated.
    static func duplicateKey(_ key: String, firstAt first: SourcePosition, in source: SpecSource) -> SpecDiagnostic {
        guard let repeated = source.repeatedKeyPosition(key, firstAt: first) else {
            return source.diagnostic(at: first, "key \"\(key)\" is given more than once in this mapping",
                                     hint: "keep one of them")
        }
        return source.diagnostic(at: repeated, "duplicate key \"\(key)\" (first given at \(first.line):\(first.column))",
                                 hint: "keep one of them")
    }
}
