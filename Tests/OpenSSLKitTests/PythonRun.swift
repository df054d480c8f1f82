import Foundation

/// Runs a Python script with `python3` from PATH under a deadline, through Foundation's
/// `Process`; the output goes to files, so a chatty child can never block on a full pipe.
enum PythonRun {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Writes `script` into `directory`, runs it with `arguments` and waits at most `deadline`
    /// seconds for it to end; past that it is killed (SIGKILL) and this throws.
    static func run(script: String, arguments: [String], in directory: String,
                    deadline: TimeInterval) throws -> Result {
        let scriptPath = directory + "/script.py"
        let stdoutPath = directory + "/stdout"
        let stderrPath = directory + "/stderr"
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        for path in [stdoutPath, stderrPath] {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw Failure(description: "cannot create \(path)")
            }
        }
        let stdout = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer {
            try? stdout.close()
            try? stderr.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptPath] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        try process.run()
        if ended.wait(timeout: .now() + deadline) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            ended.wait()
            let output = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            throw Failure(description: "python3 did not finish within \(deadline) s; stderr: \(output)")
        }
        return Result(status: process.terminationStatus,
                      stdout: try String(contentsOfFile: stdoutPath, encoding: .utf8),
                      stderr: try String(contentsOfFile: stderrPath, encoding: .utf8))
    }
}

/// A private directory (0700) under the system temporary directory, removed by `remove()`.
struct ScratchDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("openssl-kit-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }

    /// Writes `text` to `name` in the directory with `permissions`, and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String, permissions: Int = 0o644) throws -> String {
        let file = path + "/" + name
        guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8),
                                             attributes: [.posixPermissions: permissions])
        else {
            throw PythonRun.Failure(description: "cannot write \(file)")
        }
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
