import Foundation

extension EC2Client {
    /// Polls `DescribeInstances` until every instance in `ids` is `running`, and returns
    /// them. Throws ``EC2WaitError`` when one ends up anywhere else (stopped, terminated)
    /// or `timeout` seconds pass. An id EC2 does not know yet (its eventual consistency
    /// right after launch) counts as not running yet.
    @discardableResult
    public func waitUntilRunning(_ ids: [String], timeout: Double = 600, pollInterval: Double = 5) throws -> [EC2Instance] {
        try waitFor(ids, target: .running, timeout: timeout, pollInterval: pollInterval) { instances in
            if let failed = instances.first(where: { $0.state != .running && $0.state != .pending }) {
                throw EC2WaitError.unexpectedState(instanceId: failed.id, target: .running, state: failed.state)
            }
            return instances.count == Set(ids).count && instances.allSatisfy { $0.state == .running }
        } whenNotFound: { false }
    }

    /// Polls `DescribeInstances` until every instance in `ids` is `terminated` (or EC2
    /// no longer knows it). Throws ``EC2WaitError/timedOut(target:seconds:states:)``
    /// after `timeout` seconds.
    public func waitUntilTerminated(_ ids: [String], timeout: Double = 600, pollInterval: Double = 5) throws {
        _ = try waitFor(ids, target: .terminated, timeout: timeout, pollInterval: pollInterval) { instances in
            instances.allSatisfy { $0.state == .terminated }
        } whenNotFound: { true }
    }

    private func waitFor(_ ids: [String], target: EC2InstanceState, timeout: Double, pollInterval: Double,
                         done: ([EC2Instance]) throws -> Bool, whenNotFound: () -> Bool) throws -> [EC2Instance] {
        guard !ids.isEmpty else { return [] }
        let deadline = Date().addingTimeInterval(timeout)
        var last = [EC2Instance]()
        while true {
            do {
                last = try describeInstances(ids: ids)
                if try done(last) { return last }
            } catch let error as AWSError where error.code == "InvalidInstanceID.NotFound" {
                if whenNotFound() { return [] }
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else {
                throw EC2WaitError.timedOut(target: target, seconds: timeout,
                                            states: Dictionary(last.map { ($0.id, $0.state) }) { first, _ in first })
            }
            Thread.sleep(forTimeInterval: min(pollInterval, remaining))
        }
    }
}

/// A waiter that gave up.
public enum EC2WaitError: Error, Equatable, CustomStringConvertible {
    /// `seconds` passed before every instance reached `target`; `states` is what was seen last.
    case timedOut(target: EC2InstanceState, seconds: Double, states: [String: EC2InstanceState])
    /// An instance reached a state from which it will not get to `target`.
    case unexpectedState(instanceId: String, target: EC2InstanceState, state: EC2InstanceState)

    public var description: String {
        switch self {
        case .timedOut(let target, let seconds, let states):
            let seen = states.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return "instances did not become \(target) within \(Int(seconds)) s (last seen: \(seen.isEmpty ? "none" : seen)); "
                + "check them in the EC2 console, or allow a longer timeout"
        case .unexpectedState(let id, let target, let state):
            return "instance \(id) is \(state) while waiting for it to be \(target); "
                + "see its state reason in the EC2 console (capacity, spot interruption, a failed boot)"
        }
    }
}
