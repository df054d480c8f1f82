import Foundation

/// A python3 fixture script from `Tests/AWSKitTests/Fixtures`, run in a private temp
/// directory with its output in `logPath`, ready once it writes its state file, and
/// stopped by pid: SIGTERM, then SIGKILL when it has not exited within two seconds.
final class FixtureProcess {
    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// The fixture scripts beside this file's directory.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    let directory: TemporaryDirectory
    let logPath: String
    let stateText: String
    private let process: Process

    /// Starts `script` with `arguments`; `{state}` and `{log}` in them become the state
    /// file and log paths. The environment is this process's without any `AWS_*`
    /// variable, plus `environment`.
    init(script: String, arguments: [String], environment: [String: String] = [:], readyWithin seconds: Double = 30) throws {
        let directory = try TemporaryDirectory()
        self.directory = directory
        let statePath = directory.path + "/state"
        let logPath = directory.path + "/log"
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }

        let process = Process()
        self.process = process
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.fixtures.appendingPathComponent(script).path] + arguments.map {
            $0.replacingOccurrences(of: "{state}", with: statePath).replacingOccurrences(of: "{log}", with: directory.path + "/requests")
        }
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
            .merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()

        let deadline = Date().addingTimeInterval(seconds)
        var state: String?
        while state == nil, Date() < deadline, process.isRunning {
            state = try? String(contentsOfFile: statePath, encoding: .utf8)
            if state == nil { usleep(50_000) }
        }
        guard let state else {
            let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            Self.terminate(process)
            directory.remove()
            throw StartFailure(description: "\(script) was not ready within \(seconds) s; its output:\n\(output)")
        }
        stateText = state
    }

    /// What the script printed (its log).
    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The request log, for fixtures that keep one (`{log}` argument).
    var requests: [String] {
        ((try? String(contentsOfFile: directory.path + "/requests", encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    /// Stops the script by pid and removes its directory.
    func stop() {
        Self.terminate(process)
        directory.remove()
    }

    private static func terminate(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
