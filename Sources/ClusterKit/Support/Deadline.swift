import Foundation

/// A point in monotonic time after which waiting stops.
public struct Deadline: Sendable {
    private let end: UInt64

    /// A deadline `seconds` from now.
    public init(seconds: Double) {
        end = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, seconds) * 1e9)
    }

    /// Seconds left, never negative.
    public var remaining: Double {
        let now = DispatchTime.now().uptimeNanoseconds
        return now >= end ? 0 : Double(end - now) / 1e9
    }

    public var hasPassed: Bool { remaining == 0 }

    /// Polls `condition` every `interval` seconds until it returns a value or the deadline passes.
    public func poll<T>(every interval: Double = 0.05, _ condition: () throws -> T?) rethrows -> T? {
        while true {
            if let value = try condition() { return value }
            if hasPassed { return nil }
            Thread.sleep(forTimeInterval: min(interval, remaining))
        }
    }
}

/// Elapsed time since a start, for progress lines and summaries.
public struct Stopwatch: Sendable {
    private let start = DispatchTime.now().uptimeNanoseconds
    public init() {}
    /// Seconds since this stopwatch was made.
    public var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    /// The time elapsed, for messages: `0.123 s`.
    var formatted: String { String(format: "%.3f s", elapsed) }
}
