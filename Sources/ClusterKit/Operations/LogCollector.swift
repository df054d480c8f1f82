import AWSKit
import Foundation

/// `down --collect-logs`: copies every service's whole log off its node before the node goes,
/// into a local directory or an S3 location, as `<cluster>-<time>/<node>/<service>.log`.
struct LogCollector {
    let backend: ClusterBackend

    /// Collects the logs of `state`'s services into `destination` (a directory, or
    /// `s3://bucket/prefix`); returns where they went. Nothing is stopped when a log cannot be
    /// read: the error names the services whose logs were not collected.
    func collect(_ state: ClusterState, to destination: String, report: (String) -> Void) throws -> String {
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let folder = "\(state.name)-\(stamp)"
        report("collecting the logs of \(state.services.count) service\(state.services.count == 1 ? "" : "s")")
        let results = concurrently(state.services) { service -> (path: String, text: String) in
            let (runner, command) = try backend.logSource(for: service, cluster: state.name, tail: 10_000_000, follow: false)
            let result = try runner.run(command, timeout: 300)
            guard result.exitCode == 0 else {
                throw ClusterError("\(service.name) on \(service.node): reading its log failed", details: result.tail())
            }
            return ("\(service.node)/\(service.name).log", result.stdout)
        }
        let failures = zip(state.services, results).compactMap { service, result -> String? in
            if case .failure(let error) = result { return "\(service.name): \(error)" }
            return nil
        }
        guard failures.isEmpty else {
            throw ClusterError("could not collect every log, so nothing was stopped; fix the cause, or run `down` "
                               + "without --collect-logs", details: failures.joined(separator: "\n"))
        }
        let logs = results.compactMap { try? $0.get() }
        if let (bucket, prefix) = S3StateDocuments.parse(destination) {
            let s3 = S3Client(configuration: try AWSClientSettings.configuration(for: .s3, purpose: "collecting logs into \(destination)"))
            let base = (prefix.isEmpty ? "" : prefix + "/") + folder
            for log in logs {
                try s3.putObject(bucket: bucket, key: base + "/" + log.path, body: Data(log.text.utf8), contentType: "text/plain")
            }
            return "s3://\(bucket)/\(base)"
        }
        let root = URL(fileURLWithPath: destination).appendingPathComponent(folder)
        for log in logs {
            let file = root.appendingPathComponent(log.path)
            try AtomicFile.makeDirectory(file.deletingLastPathComponent())
            try AtomicFile.write(Data(log.text.utf8), to: file)
        }
        return root.path
    }
}
