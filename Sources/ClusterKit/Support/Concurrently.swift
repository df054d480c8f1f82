import Foundation

/// Runs `body` for every item on up to `limit` threads at once and returns every result in
/// the items' order; one failure does not stop the others.
public func concurrently<Item, Value>(_ items: [Item], limit: Int = 16,
                                      _ body: @escaping (Item) throws -> Value) -> [Result<Value, Error>] {
    if items.count == 1 { return [Result { try body(items[0]) }] }
    let results = ResultSlots<Value>(count: items.count)
    let lock = NSLock()
    let slots = DispatchSemaphore(value: max(1, limit))
    let group = DispatchGroup()
    for (index, item) in items.enumerated() {
        slots.wait()
        group.enter()
        Thread.detachNewThread {
            let result = Result { try body(item) }
            lock.withLock { results.values[index] = result }
            slots.signal()
            group.leave()
        }
    }
    group.wait()
    return results.values.map { $0! }
}

/// Result slots filled from several threads under a lock.
private final class ResultSlots<Value>: @unchecked Sendable {
    var values: [Result<Value, Error>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
}
