import Foundation

/// `logs`: every matching service's log, at once, each line prefixed by its service.
extension ClusterController {
    /// Prints the logs of the services of cluster `reference` that match `role` and `node`,
    /// each line prefixed by its service; with `follow`, keeps printing until interrupted.
    public func logs(_ reference: ClusterReference, role: ServiceRole?, node: String?, tail: Int, follow: Bool,
                     output: @escaping @Sendable (String) -> Void) throws {
        let name = try resolve(reference)
        let state = try existingState(name)
        let services = state.services.filter { service in
            (role == nil || service.role == role) && (node == nil || service.node == node || service.name == node)
        }
        guard !services.isEmpty else {
            let nodes = Set(state.services.map(\.node)).sorted().joined(separator: ", ")
            throw ClusterError("no service of \(name) matches; its nodes are: \(nodes.isEmpty ? "none (it is down)" : nodes)")
        }
        let backend = try Backends.make(for: state.spec, homes: homes, state: state)
        let sources = try services.map { ($0, try backend.logSource(for: $0, cluster: name, tail: tail, follow: follow)) }
        let printLock = NSLock()
        // Every log at once (a follow never ends, so no service may wait for a free thread).
        let results = concurrently(sources, limit: sources.count) { service, source in
            let printer = LinePrefixer(prefix: "[\(service.name)] ") { line in
                printLock.withLock { output(line) }
            }
            defer { printer.flush() }
            _ = try source.0.stream(source.1, onOutput: printer.feed)
        }
        let failures = zip(sources, results).compactMap { source, result -> (node: String, error: Error)? in
            guard case .failure(let error) = result else { return nil }
            return ("\(source.0.name) on \(source.0.node)", error)
        }
        if !failures.isEmpty {
            throw ClusterError("could not read \(failures.count) of \(sources.count) logs",
                               details: failures.map { "\($0.node): \($0.error)" }.joined(separator: "\n"))
        }
    }
}
