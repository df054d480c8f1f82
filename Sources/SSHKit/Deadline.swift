import Foundation

/// A point on the monotonic clock after which an operation gives up.
struct Deadline {
    private let end: UInt64
    /// The time allowed, for messages.
    let seconds: Double

    init(seconds: Double) {
        self.seconds = seconds
        end = Deadline.now() &+ UInt64(max(0, seconds) * 1_000_000_000)
    }

    /// A deadline that never arrives, for operations that run until stopped.
    static var never: Deadline { Deadline(seconds: 100 * 365 * 86_400) }

    var hasPassed: Bool { Deadline.now() >= end }

    /// Seconds left, zero once passed.
    var remainingSeconds: Double {
        let now = Deadline.now()
        return end > now ? Double(end - now) / 1_000_000_000 : 0
    }

    /// Milliseconds left, capped at `cap`, for `poll(2)`.
    func remainingMilliseconds(cap: Int32) -> Int32 {
        let now = Deadline.now()
        guard end > now else { return 0 }
        return Int32(min(UInt64(cap), (end - now) / 1_000_000))
    }

    private static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
