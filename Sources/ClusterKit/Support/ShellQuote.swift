/// Quoting for POSIX shells: every value from a cluster file that reaches a shell goes through here.
public enum ShellQuote {
    /// `value` as one inert shell word: single-quoted, with embedded single quotes escaped.
    public static func quote(_ value: String) -> String {
        if !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:@%+,".contains($0)) }) {
            return value
        }
        return "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A command line from an argument vector, each argument quoted.
    public static func join(_ argv: [String]) -> String {
        argv.map(quote).joined(separator: " ")
    }
}
