/// Splits a stream of text into whole lines and hands each on with a prefix.
public final class LinePrefixer {
    private let prefix: String
    private let emit: (String) -> Void
    private var pending = ""

    public init(prefix: String, emit: @escaping (String) -> Void) {
        self.prefix = prefix
        self.emit = emit
    }

    /// Takes the next chunk of text; complete lines go out at once.
    public func feed(_ chunk: String) {
        pending += chunk
        while let newline = pending.firstIndex(of: "\n") {
            emit(prefix + pending[..<newline])
            pending = String(pending[pending.index(after: newline)...])
        }
    }

    /// Hands on a last line that had no newline.
    public func flush() {
        if !pending.isEmpty { emit(prefix + pending) }
        pending = ""
    }
}
