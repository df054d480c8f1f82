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

    /// One shell word that names `preferred` where it is executable on the host, else
    /// `fallback` (an interpreter inside the node's environment is a real binary, where the
    /// `python3` on PATH may be a version manager's shim that costs 0.1 s per start).
    public static func preferring(_ preferred: String, over fallback: String) -> String {
        "\"$([ -x \(quote(preferred)) ] && echo \(quote(preferred)) || echo \(quote(fallback)))\""
    }
}
