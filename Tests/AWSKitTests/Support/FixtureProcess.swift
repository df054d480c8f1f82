import Foundation

/// A python3 script run in a private temp directory with its output in `logPath`, ready
/// once it writes its state file, and stopped by pid: SIGTERM, then SIGKILL when it has not
/// exited within two seconds. The script is either a fixture file from
/// `Tests/AWSKitTests/Fixtures` or inline text (a small stand-in server kept beside its tests).
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

    /// Starts the fixture file `script` with `arguments`; `{state}` and `{log}` in them become
    /// the state file and request log paths. The environment is this process's without any
    /// `AWS_*` variable, plus `environment`. Throws when the state file has not appeared
    /// within `seconds` (or the script exited first).
    convenience init(script: String, arguments: [String], environment: [String: String] = [:],
                     readyWithin seconds: Double = 30) throws {
        try self.init(directory: TemporaryDirectory(), scriptPath: Self.fixtures.appendingPathComponent(script).path,
                      name: script, arguments: arguments, environment: environment, readyWithin: seconds)
    }

    /// Writes `source` to `name` in the private directory and starts it like
    /// ``init(script:arguments:environment:readyWithin:)``: same `{state}` and `{log}`
    /// placeholders, environment and readiness deadline.
    convenience init(inlineScript source: String, named name: String, arguments: [String],
                     environment: [String: String] = [:], readyWithin seconds: Double = 30) throws {
        let directory = try TemporaryDirectory()
        try self.init(directory: directory, scriptPath: directory.write(name, source), name: name, arguments: arguments,
                      environment: environment, readyWithin: seconds)
    }

    /// Starts an inline python3 HTTP server on 127.0.0.1 with a port the kernel picks, whose
    /// state file is that port (see ``loopbackEndpoint``). `handler` is the script's middle:
    /// it defines `Handler`, an `http.server.BaseHTTPRequestHandler`, and may use `log_path`
    /// (the request log, read back by ``requests``) and the already imported modules
    /// `http.server`, `os`, `signal` and `sys`. Signals are unblocked first, so ``stop()``
    /// ends it with SIGTERM.
    convenience init(loopbackHTTPServer handler: String, named name: String, environment: [String: String] = [:],
                     readyWithin seconds: Double = 30) throws {
        let script = #"""
            import http.server, os, signal, sys
            # The test process may block signals in the spawning thread; let SIGTERM stop us.
            signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
            port_file, log_path = sys.argv[1:3]

            """# + handler + #"""

            server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
            with open(port_file + ".tmp", "w") as f:
                f.write(f"{server.server_address[1]}\n")
            os.rename(port_file + ".tmp", port_file)
            server.serve_forever()

            """#
        try self.init(inlineScript: script, named: name, arguments: ["{state}", "{log}"], environment: environment,
                      readyWithin: seconds)
    }

    /// Runs `scriptPath` with its state file, output and request log in `directory`.
    private init(directory: TemporaryDirectory, scriptPath: String, name: String, arguments: [String],
                 environment: [String: String], readyWithin seconds: Double) throws {
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
        process.arguments = ["python3", scriptPath] + arguments.map {
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
            throw StartFailure(description: "\(name) was not ready within \(seconds) s; its output:\n\(output)")
        }
        stateText = state
    }

    /// `http://127.0.0.1:PORT`, for scripts whose state file holds just the port they listen on.
    var loopbackEndpoint: String {
        "http://127.0.0.1:\(stateText.trimmingCharacters(in: .whitespacesAndNewlines))"
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
