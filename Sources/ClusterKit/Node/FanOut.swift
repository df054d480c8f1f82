import Foundation

/// Runs one piece of work per host with bounded concurrency, lets every host finish, and
/// reports every failure together (as distributed's SpecCluster does), never only the first.
public enum FanOut {
    /// Each host's outcome, in the order of `hosts`; at most `limit` hosts are worked on at once.
    public static func results<Value>(_ hosts: [String], limit: Int = 16,
                                      _ body: @escaping @Sendable (String) throws -> Value) -> [(host: String, result: Result<Value, Error>)] {
        Array(zip(hosts, concurrently(hosts, limit: limit, body))).map { (host: $0.0, result: $0.1) }
    }

    /// Each host's value, keyed by host; throws `FanOutError` naming every host that failed,
    /// once all of them have finished.
    public static func run<Value>(_ hosts: [String], limit: Int = 16,
                                  _ body: @escaping @Sendable (String) throws -> Value) throws -> [String: Value] {
        var values: [String: Value] = [:]
        var failures: [(host: String, error: Error)] = []
        for (host, result) in results(hosts, limit: limit, body) {
            switch result {
            case .success(let value): values[host] = value
            case .failure(let error): failures.append((host, error))
            }
        }
        if !failures.isEmpty { throw FanOutError(failures: failures, total: hosts.count) }
        return values
    }

    /// `run` over runners: `body` gets each runner, failures are named by `runner.host`.
    public static func run<Value>(_ runners: [CommandRunner], limit: Int = 16,
                                  _ body: @escaping @Sendable (CommandRunner) throws -> Value) throws -> [String: Value] {
        let byHost = Dictionary(runners.map { ($0.host, $0) }, uniquingKeysWith: { first, _ in first })
        return try run(runners.map(\.host), limit: limit) { try body(byHost[$0]!) }
    }
}

/// The hosts a fan-out failed on, each with its own error.
public struct FanOutError: Error, CustomStringConvertible {
    public var failures: [(host: String, error: Error)]
    /// How many hosts were worked on in all.
    public var total: Int

    public var description: String {
        let lines = failures.map { failure -> String in
            let text = String(describing: failure.error)
            return text.hasPrefix(failure.host) ? text : "\(failure.host): \(text)"
        }
        return "\(failures.count) of \(total) hosts failed:\n" + lines.joined(separator: "\n")
    }
}
