import Foundation

/// Runs `body` for every item on up to `limit` threads at once and returns every result in
/// the items' order; one failure does not stop the others. The one way ClusterKit runs work
/// in parallel (`FanOut` names its results by host).
///
/// Each thread lets go of `body` (and everything it holds, such as SSH sessions) before it
/// reports done, so nothing is released on a background thread after this returns, when the
/// process may already be exiting.
public func concurrently<Item, Value>(_ items: [Item], limit: Int = 16,
                                      _ body: @escaping @Sendable (Item) throws -> Value) -> [Result<Value, Error>] {
    if items.count == 1 { return [Result { try body(items[0]) }] }
    let results = ResultSlots<Value>(count: items.count)
    let lock = NSLock()
    let slots = DispatchSemaphore(value: max(1, limit))
    let group = DispatchGroup()
    for (index, item) in items.enumerated() {
        slots.wait()
        group.enter()
        let work = BackgroundWork { results.store(Result { try body(item) }, at: index, lock: lock) }
        Thread.detachNewThread {
            work.run()
            slots.signal()
            group.leave()
        }
    }
    group.wait()
    return results.values.map { $0! }
}

/// Runs a closure on a background thread and drops it right after, on that thread.
/// `closure` is written once at creation and cleared by `run()` on the one thread that runs it.
final class BackgroundWork: @unchecked Sendable {
    private var closure: (() -> Void)?

    init(_ closure: @escaping () -> Void) { self.closure = closure }

    /// Runs the closure once, then releases it (and what it captured).
    func run() {
        closure?()
        closure = nil
    }
}

/// Result slots filled from several threads under a lock.
private final class ResultSlots<Value>: @unchecked Sendable {
    var values: [Result<Value, Error>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }

    func store(_ result: Result<Value, Error>, at index: Int, lock: NSLock) {
        lock.withLock { values[index] = result }
    }
}
