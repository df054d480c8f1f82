import Foundation

/// A value that one thread settles once and others wait for: a result handed from one
/// concurrent job to the others of the same batch.
final class Settled<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<Value, Error>?

    /// Settles it; later calls are ignored.
    func set(_ result: Result<Value, Error>) {
        condition.lock()
        defer { condition.unlock() }
        guard self.result == nil else { return }
        self.result = result
        condition.broadcast()
    }

    /// Waits until it is settled; returns the value or throws the error it was settled with.
    func wait() throws -> Value {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return try result!.get()
    }
}
